package dev.meta4j.algorithms;

import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.EpisodeShape;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.datasets.EpisodicImageSource;
import dev.meta4j.datasets.EpisodicImages;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A small episodic image dataset for the algorithms' tests: 12 classes of 8×8 images, class
 * {@code c} is noise plus a bright 2×2 patch at a place of its own; classes 0-5 train, 6-8
 * validate, 9-11 test, through the shared sampler {@link EpisodicImages}.
 */
final class PatchEpisodes implements EpisodicImages.Classes {

    private final int side;

    private PatchEpisodes(int side) {
        this.side = side;
    }

    /**
     * The dataset.
     *
     * @param trainWays the ways of training episodes (4 queries per class)
     * @param ways the ways of validation and test episodes (5 queries per class)
     * @param shots the shots of every episode
     * @param type the inputs' type
     * @return the source
     */
    static TaskSource of(int trainWays, int ways, int shots, DataType type) {
        return of(trainWays, ways, shots, type, 8);
    }

    /**
     * The dataset with images of {@code side × side} pixels (a multiple of 4), the patches scaled.
     *
     * @param trainWays the ways of training episodes (4 queries per class)
     * @param ways the ways of validation and test episodes (5 queries per class)
     * @param shots the shots of every episode
     * @param type the inputs' type
     * @param side the image side (a multiple of 4)
     * @return the source
     */
    static TaskSource of(int trainWays, int ways, int shots, DataType type, int side) {
        Map<Split, int[]> classes = new EnumMap<>(Split.class);
        classes.put(Split.TRAIN, new int[] {0, 1, 2, 3, 4, 5});
        classes.put(Split.VALIDATION, new int[] {6, 7, 8});
        classes.put(Split.TEST, new int[] {9, 10, 11});
        Map<Split, EpisodeShape> shapes = new EnumMap<>(Split.class);
        shapes.put(Split.TRAIN, new EpisodeShape(trainWays, shots, 4));
        shapes.put(Split.VALIDATION, new EpisodeShape(ways, shots, 5));
        shapes.put(Split.TEST, new EpisodeShape(ways, shots, 5));
        return new EpisodicImageSource(new EpisodicImages(new PatchEpisodes(side), classes, shapes, 1, 2, type),
                new DataSpec(new long[] {1, side, side}, List.of(new ClassificationTask("class", ways))));
    }

    @Override
    public int count() {
        return 12;
    }

    @Override
    public int images(int c) {
        return 30;
    }

    @Override
    public long[] imageShape() {
        return new long[] {1, side, side};
    }

    @Override
    public void copy(int c, int i, java.nio.FloatBuffer out, int offset) {
        Rng noise = new Rng(c * 1000L + i);
        int cell = side / 4;
        int py = cell * (c / 4);
        int px = cell * (c % 4);
        for (int k = 0; k < side * side; k++) {
            int y = k / side;
            int x = k % side;
            boolean patch = y >= py && y < py + cell && x >= px && x < px + cell;
            out.put(offset + k, (float) (patch ? 0.8 + 0.2 * noise.nextDouble() : 0.3 * noise.nextDouble()));
        }
    }
}
