package dev.meta4j.datasets.mtl;

import java.nio.file.Path;

/** The dense fixtures for tests of other modules (the test-jar), which cannot see the package. */
public final class MtlFixturesAccess {

    private MtlFixturesAccess() {}

    /**
     * Writes NYUv2 scenes in MTAN's layout.
     *
     * @param root the folder
     * @param train training scenes
     * @param val validation (= test) scenes
     * @param height rows
     * @param width columns
     * @return the root
     */
    public static Path nyuv2(Path root, int train, int val, int height, int width) {
        return MtlFixtures.scenes(root, new String[] {"label"}, new int[] {NyuV2.CLASSES}, true, train, val, height,
                width, "<f4");
    }
}
