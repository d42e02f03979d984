package dev.meta4j.runtime.scenes;

import dev.meta4j.api.Rng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The procedurally rendered dense benchmark, written in MTAN's NYUv2 layout so that the {@code
 * nyuv2} dataset reads it as it is: {@code ROOT/{train,val}/{image,label,depth,normal}/<i>.npy},
 * channels-last float32 ({@code image} {@code [H, W, 3]} in [0, 1], {@code label} {@code [H, W]}
 * with classes 0-3 of {@link Scene} and -1 at the sky, {@code depth} {@code [H, W, 1]} with 0 at
 * the sky, {@code normal} {@code [H, W, 3]} all-zero at the sky).
 *
 * <p>Scene {@code i} of split {@code s} is drawn from {@code new Rng(seed).split(s + "/" + i)}
 * alone, so the first scenes of a larger set are those of a smaller one, and no scene depends on
 * the order in which they are written.
 */
public final class RenderedScenes {

    /** MTAN's splits. */
    public static final String[] SPLITS = {"train", "val"};

    private RenderedScenes() {}

    /**
     * The scene of a split and index.
     *
     * @param seed the set's seed
     * @param split {@code train} or {@code val}
     * @param index the scene's index
     * @return the scene
     */
    public static Scene scene(long seed, String split, int index) {
        return SceneGenerator.draw(new Rng(seed).split(split + "/" + index));
    }

    /**
     * Renders and writes a set.
     *
     * @param root the folder; it must not hold a {@code train} or {@code val} folder already
     * @param train training scenes
     * @param val validation scenes (the nyuv2 reader's validation and test split)
     * @param seed the seed
     * @param height rows
     * @param width columns
     * @throws IOException if a file cannot be written
     */
    public static void write(Path root, int train, int val, long seed, int height, int width) throws IOException {
        for (String split : SPLITS) {
            Path dir = root.resolve(split);
            if (Files.exists(dir) && !empty(dir)) {
                // adding to an old set would mix seeds, and fewer scenes would leave stale files
                throw new IllegalArgumentException(dir + " exists and is not empty; write the scenes into a new folder");
            }
        }
        Camera camera = Camera.of(height, width);
        int[] counts = {train, val};
        for (int s = 0; s < SPLITS.length; s++) {
            Path dir = root.resolve(SPLITS[s]);
            for (String part : new String[] {"image", "label", "depth", "normal"}) {
                Files.createDirectories(dir.resolve(part));
            }
            for (int i = 0; i < counts[s]; i++) {
                RenderedScene r = SceneRenderer.render(scene(seed, SPLITS[s], i), camera);
                String name = i + ".npy";
                NpyWriter.write(dir.resolve("image").resolve(name), new long[] {height, width, 3}, r.image());
                NpyWriter.write(dir.resolve("label").resolve(name), new long[] {height, width}, r.label());
                NpyWriter.write(dir.resolve("depth").resolve(name), new long[] {height, width, 1}, r.depth());
                NpyWriter.write(dir.resolve("normal").resolve(name), new long[] {height, width, 3}, r.normal());
            }
        }
    }

    private static boolean empty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
