package dev.meta4j.datasets;

import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.DatasetFactory;
import dev.meta4j.api.data.EpisodeShape;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Few-shot episodes on Fashion-MNIST: 40 classes, each a pair (label, rotation by 0°, 90°,
 * 180° or 270°), the way Omniglot's classes are extended by rotations (Vinyals et al. 2016;
 * Snell et al. 2017). Fashion-MNIST alone has only 10 classes, too few for held-out classes.
 *
 * <p>The split is by base label, so that no test class is a rotation of a training class: a
 * permutation of the 10 labels seeded by {@code split-seed} gives 6 labels (24 classes) for
 * meta-training, 2 (8 classes) for validation and 2 (8 classes) for testing. With {@code
 * split-seed = 0} the training labels are {@code 6, 2, 9, 8, 3, 0} (shirt, pullover, ankle boot,
 * bag, dress, T-shirt), validation {@code 5, 1} (sandal, trouser) and test {@code 4, 7} (coat,
 * sneaker), as {@code FashionMnistEpisodesTest} checks. A class has
 * all 7,000 images of its label, from both IDX files (the files' own train/test division is about
 * images, not classes), rotated counter-clockwise ({@code numpy.rot90}). Pixels are in [0, 1].
 *
 * <p>Episodes come from the shared sampler {@link EpisodicImages}: {@code ways}-way {@code
 * shots}-shot with {@code queries} queries per class for validation and test, and {@code
 * train-ways}, {@code train-shots}, {@code train-queries} for training (Snell et al. train with
 * more ways than they test, and with the test's shots).
 */
public final class FashionMnistEpisodes extends EpisodicImageSource {

    /** Rotations per base label. */
    static final int ROTATIONS = 4;

    FashionMnistEpisodes(Config c, DataType dataType) {
        super(sampler(c, dataType), new DataSpec(new long[] {1, FashionMnistFiles.SIDE, FashionMnistFiles.SIDE},
                List.of(new ClassificationTask("class", c.getInt("ways")))));
    }

    private static EpisodicImages sampler(Config c, DataType dataType) {
        Path root = Path.of(c.getString("root"));
        int shots = c.getInt("shots");
        EpisodeShape held = new EpisodeShape(c.getInt("ways"), shots, c.getInt("queries"));
        EpisodeShape train = new EpisodeShape(c.getInt("train-ways"),
                c.hasPath("train-shots") ? c.getInt("train-shots") : shots, c.getInt("train-queries"));
        Images images = new Images(FashionMnistFiles.load(root, "train"), FashionMnistFiles.load(root, "t10k"));
        Map<Split, int[]> labels = EpisodicImages.splitGroups(FashionMnistFiles.CLASSES, 6, 2, c.getLong("split-seed"));
        Map<Split, int[]> classes = new EnumMap<>(Split.class);
        labels.forEach((split, ls) -> {
            int[] cs = new int[ls.length * ROTATIONS];
            for (int i = 0; i < ls.length; i++) {
                for (int r = 0; r < ROTATIONS; r++) {
                    cs[i * ROTATIONS + r] = ls[i] * ROTATIONS + r;
                }
            }
            classes.put(split, cs);
        });
        Map<Split, EpisodeShape> shapes = new EnumMap<>(Split.class);
        shapes.put(Split.TRAIN, train);
        shapes.put(Split.VALIDATION, held);
        shapes.put(Split.TEST, held);
        return new EpisodicImages(images, classes, shapes, c.getLong("validation-seed"), c.getLong("test-seed"),
                dataType);
    }

    /** Class {@code 4 · label + r}: the label's images of both files, rotated by {@code r · 90°}. */
    private static final class Images implements EpisodicImages.Classes {
        private static final int PIXELS = FashionMnistFiles.SIDE * FashionMnistFiles.SIDE;
        private final FashionMnistFiles.Source[] files;
        /** Per label: file index (0 train, 1 t10k) times 2^24 plus the image's index in it. */
        private final int[][] byLabel = new int[FashionMnistFiles.CLASSES][];

        Images(FashionMnistFiles.Source train, FashionMnistFiles.Source test) {
            this.files = new FashionMnistFiles.Source[] {train, test};
            int[] counts = new int[FashionMnistFiles.CLASSES];
            for (FashionMnistFiles.Source f : files) {
                for (byte y : f.labels()) {
                    counts[y]++;
                }
            }
            for (int l = 0; l < counts.length; l++) {
                byLabel[l] = new int[counts[l]];
            }
            int[] filled = new int[FashionMnistFiles.CLASSES];
            for (int f = 0; f < files.length; f++) {
                byte[] ys = files[f].labels();
                for (int i = 0; i < ys.length; i++) {
                    byLabel[ys[i]][filled[ys[i]]++] = (f << 24) | i;
                }
            }
        }

        @Override
        public int count() {
            return FashionMnistFiles.CLASSES * ROTATIONS;
        }

        @Override
        public int images(int c) {
            return byLabel[c / ROTATIONS].length;
        }

        @Override
        public long[] imageShape() {
            return new long[] {1, FashionMnistFiles.SIDE, FashionMnistFiles.SIDE};
        }

        @Override
        public void copy(int c, int i, java.nio.FloatBuffer out, int offset) {
            int code = byLabel[c / ROTATIONS][i];
            byte[] px = files[code >>> 24].images();
            int base = (code & 0xffffff) * PIXELS;
            int n = FashionMnistFiles.SIDE;
            int r = c % ROTATIONS;
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    // numpy.rot90(img, r)[y][x], counter-clockwise
                    int sy;
                    int sx;
                    switch (r) {
                        case 0 -> { sy = y; sx = x; }
                        case 1 -> { sy = x; sx = n - 1 - y; }
                        case 2 -> { sy = n - 1 - y; sx = n - 1 - x; }
                        default -> { sy = n - 1 - x; sx = y; }
                    }
                    out.put(offset + y * n + x, (px[base + sy * n + sx] & 0xff) / 255f);
                }
            }
        }
    }

    /**
     * The classes of a split, {@code 4 · label + rotation}.
     *
     * @param split the split
     * @return a copy
     */
    int[] classes(Split split) {
        return sampler().classes(split);
    }

    /** Registers {@code fashion-mnist-episodes}. */
    @AutoService(DatasetFactory.class)
    public static final class Factory implements DatasetFactory {
        @Override
        public String name() {
            return "fashion-mnist-episodes";
        }

        @Override
        public String summary() {
            return "N-way K-shot episodes over 40 Fashion-MNIST classes (label x rotation), split 6/2/2 by label";
        }

        @Override
        public Dataset create(PluginContext ctx) {
            return new FashionMnistEpisodes(ctx.config(), ctx.dataType());
        }
    }
}
