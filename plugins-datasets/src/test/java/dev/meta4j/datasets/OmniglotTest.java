package dev.meta4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.EpisodeShape;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Omniglot on generated fixtures of real glyphs ({@link OmniglotFixtures}): folders and zips give
 * the same pixels; pixels are the PNG resized with PIL's Lanczos and inverted; rotations are
 * classes in their character's split; the seeded MAML split is what its documentation says; the
 * shipped Vinyals lists are 1028/172/423; and the errors.
 */
class OmniglotTest {

    @TempDir static Path tmp;
    private static PluginTestKit kit;
    private static Path folders;
    private static Path zips;
    private static List<String> names;
    private static final String SPLIT = "split = maml, train-characters = 12, validation-characters = 4, ways = 3,"
            + " shots = 1, queries = 2, train-ways = 5, train-queries = 2";

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT32, 0);
        folders = tmp.resolve("folders");
        zips = tmp.resolve("zips");
        names = OmniglotFixtures.write(folders, 4, 5, 4, 11);
        assertEquals(names, OmniglotFixtures.writeZips(zips, 4, 5, 4, 11));
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static Omniglot dataset(Path root, String overrides) {
        return (Omniglot) kit.create(PluginKind.DATASET, "omniglot", "root = \"" + root + "\"\n" + overrides, Dataset.class);
    }

    private static Path character(Path root, String name) {
        Path b = root.resolve("images_background").resolve(name);
        return Files.isDirectory(b) ? b : root.resolve("images_evaluation").resolve(name);
    }

    @Test
    void fixtureIsOmniglotsLayoutOfRealGlyphs() throws Exception {
        assertEquals(20, names.size());
        Path character = character(folders, names.get(0));
        List<Path> files = FewShotImages.imageFiles(character);
        assertEquals(4, files.size());
        assertTrue(files.get(0).getFileName().toString().matches("\\d{4}_01\\.png"), files.get(0).toString());
        var im = ImageIO.read(files.get(0).toFile());
        assertEquals(105, im.getWidth());
        assertEquals(1, im.getColorModel().getPixelSize(), "1-bit");
        int ink = 0;
        for (int y = 0; y < 105; y++) {
            for (int x = 0; x < 105; x++) {
                ink += (im.getRGB(x, y) & 0xff) == 0 ? 1 : 0;
            }
        }
        assertTrue(ink > 150 && ink < 105 * 105 / 2, "black strokes on white: " + ink + " black pixels");
        byte[] a = Files.readAllBytes(files.get(0));
        byte[] b = Files.readAllBytes(files.get(1));
        assertFalse(Arrays.equals(a, b), "drawers differ");
        assertTrue(Files.isDirectory(folders.resolve("images_evaluation")), "half the alphabets are the evaluation set");
    }

    @Test
    void pixelsAreThePngResizedWithLanczosAndInverted() throws Exception {
        Omniglot d = dataset(folders, SPLIT + ", rotations = none");
        ImageClasses c = d.collection();
        assertEquals(names.get(3), c.name(3));
        Path file = FewShotImages.imageFiles(character(folders, names.get(3))).get(2);
        ImageDecoder.Image im = ImageDecoder.decode(Files.readAllBytes(file), file.toString(), 1);
        byte[] expected = LanczosResize.resize(im.pixels(), 105, 105, 1, 28, 28);
        float[] got = new float[784];
        c.copy(3, 2, FloatBuffer.wrap(got), 0);
        for (int p = 0; p < 784; p++) {
            assertEquals(1f - (expected[p] & 0xff) / 255f, got[p], "pixel " + p);
        }
        assertTrue(im.pixels()[0] == (byte) 255, "the background is white in the file");
        assertEquals(0f, got[0], "and 0 after inversion");
    }

    /**
     * The fixture's glyphs carry signal a learner can find: nearest neighbour in pixel space, with
     * no learning at all, already beats chance on held-out characters (5-way 1-shot).
     */
    @Test
    void heldOutGlyphsAreRecognisableByNearestNeighbour() {
        Path root = tmp.resolve("nn");
        OmniglotFixtures.write(root, 6, 8, 6, 3);
        Omniglot d = dataset(root, "split = maml, train-characters = 28, validation-characters = 5, ways = 5, shots = 1,"
                + " queries = 3, train-ways = 5, train-queries = 1, rotations = none");
        int correct = 0;
        int total = 0;
        try (NDManager m = kit.manager().newSubManager()) {
            TaskBatch b = d.evaluationEpisodes(Split.TEST, 100).next(100, m);
            for (int t = 0; t < 100; t++) {
                float[] sx = b.supportInputs().get(t).toFloatArray();
                float[] qx = b.queryInputs().get(t).toFloatArray();
                long[] qy = b.queryTargets().get(t).toLongArray();
                for (int q = 0; q < qy.length; q++) {
                    int best = -1;
                    double bestD = Double.MAX_VALUE;
                    for (int s = 0; s < 5; s++) {
                        double dist = 0;
                        for (int p = 0; p < 784; p++) {
                            double diff = qx[q * 784 + p] - sx[s * 784 + p];
                            dist += diff * diff;
                        }
                        if (dist < bestD) {
                            bestD = dist;
                            best = s;
                        }
                    }
                    correct += best == qy[q] ? 1 : 0;
                    total++;
                }
            }
        }
        double accuracy = (double) correct / total;
        System.out.println("pixel 1-NN, 5-way 1-shot, held-out fixture characters: " + accuracy);
        assertTrue(accuracy > 0.3, "above chance (0.2): " + accuracy);
    }

    @Test
    void zipsAndFoldersGiveTheSameEpisodes() {
        Omniglot a = dataset(folders, SPLIT);
        Omniglot b = dataset(zips, SPLIT);
        try (NDManager m = kit.manager().newSubManager()) {
            assertArrayEquals(a.sample(2, new Rng(3), m).supportInputs().toFloatArray(),
                    b.sample(2, new Rng(3), m).supportInputs().toFloatArray());
            assertArrayEquals(a.evaluationEpisodes(Split.TEST, 2).next(2, m).queryInputs().toFloatArray(),
                    b.evaluationEpisodes(Split.TEST, 2).next(2, m).queryInputs().toFloatArray());
        }
    }

    @Test
    void rotationsAreClassesInTheirCharactersSplit() {
        Omniglot d = dataset(folders, SPLIT);
        ImageClasses c = d.collection();
        assertEquals(80, c.count());
        Set<Integer> all = new HashSet<>();
        for (Split s : Split.values()) {
            int[] cs = d.classes(s);
            assertEquals(0, cs.length % 4);
            for (int i = 0; i < cs.length; i += 4) {
                for (int r = 0; r < 4; r++) {
                    assertEquals(cs[i] + r, cs[i + r], "a character's four rotations together");
                }
            }
            Arrays.stream(cs).forEach(all::add);
        }
        assertEquals(80, all.size());
        assertEquals(48, d.classes(Split.TRAIN).length);
        assertEquals(16, d.classes(Split.VALIDATION).length);
        byte[] r0 = c.pixels(4 * 7, 1);
        byte[] r1 = c.pixels(4 * 7 + 1, 1);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                assertEquals(r0[x * 28 + (27 - y)], r1[y * 28 + x], "numpy.rot90, counter-clockwise");
            }
        }
        try (NDManager m = kit.manager().newSubManager()) {
            TaskBatch b = d.sample(2, new Rng(0), m);
            assertEquals(new Shape(2, 5, 1, 28, 28), b.supportInputs().getShape());
            assertEquals(new EpisodeShape(3, 1, 2), d.episodeShape(Split.TEST));
        }
    }

    @Test
    void mamlSplitIsASeededPermutationOfTheSortedCharacters() {
        Omniglot d = dataset(folders, SPLIT + ", rotations = none");
        Map<Split, int[]> expected = EpisodicImages.splitGroups(20, 12, 4, 1);
        for (Split s : Split.values()) {
            assertArrayEquals(expected.get(s), d.classes(s), "characters in sorted order, permuted with split-seed 1");
        }
        assertEquals(4, d.classes(Split.TEST).length);
        Omniglot other = dataset(folders, SPLIT + ", rotations = none, split-seed = 2");
        assertFalse(Arrays.equals(d.classes(Split.TEST), other.classes(Split.TEST)));
        Omniglot again = dataset(zips, SPLIT + ", rotations = none");
        assertArrayEquals(d.classes(Split.TEST), again.classes(Split.TEST), "the same on any layout and machine");
    }

    @Test
    void shippedVinyalsSplitIs1028Over172Over423Characters() {
        Map<Split, List<String>> v = FewShotImages.shippedSplit("omniglot/vinyals");
        assertEquals(1028, v.get(Split.TRAIN).size());
        assertEquals(172, v.get(Split.VALIDATION).size());
        assertEquals(423, v.get(Split.TEST).size());
        Set<String> all = new HashSet<>();
        v.values().forEach(all::addAll);
        assertEquals(1623, all.size(), "disjoint, every Omniglot character once");
        assertTrue(v.get(Split.TEST).contains("Gurmukhi/character42"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dataset(folders, "split = vinyals"));
        assertTrue(e.getMessage().contains("Vinyals split") && e.getMessage().contains("names class 'Angelic/character01'")
                && e.getMessage().contains(folders.toString()), e.getMessage());
    }

    @Test
    void splitFilesFromAFolder() {
        Path lists = tmp.resolve("lists");
        FewShotFixtures.write(lists.resolve("train.txt"), String.join("\n", names.subList(0, 10)));
        FewShotFixtures.write(lists.resolve("val.txt"), names.get(10) + "/rot000\n" + names.get(10) + "/rot090\n"
                + String.join("\n", names.subList(11, 14)));
        FewShotFixtures.write(lists.resolve("test.txt"), String.join("\n", names.subList(14, 20)));
        Omniglot d = dataset(folders, "split = files, split-folder = \"" + lists + "\", ways = 3, shots = 1, queries = 1,"
                + " train-ways = 3, train-queries = 1, rotations = none");
        assertArrayEquals(new int[] {10, 11, 12, 13}, d.classes(Split.VALIDATION), "rot suffixes ignored");
        FewShotFixtures.write(lists.resolve("test.txt"), "Nowhere/character01\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dataset(folders, "split = files,"
                + " split-folder = \"" + lists + "\", rotations = none, ways = 3, train-ways = 3, train-queries = 1"));
        assertTrue(e.getMessage().contains(lists.toString()) && e.getMessage().contains("'Nowhere/character01'"),
                e.getMessage());
    }

    @Test
    void errorsNameTheFileAndWhatWasExpected() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dataset(tmp.resolve("absent"), SPLIT));
        assertTrue(e.getMessage().contains("absent") && e.getMessage().contains("images_background"), e.getMessage());
        Path empty = tmp.resolve("empty-omniglot");
        Files.createDirectories(empty.resolve("other"));
        e = assertThrows(IllegalArgumentException.class, () -> dataset(empty, SPLIT));
        assertTrue(e.getMessage().contains("holds no Omniglot images"), e.getMessage());

        Path broken = tmp.resolve("broken");
        OmniglotFixtures.write(broken, 4, 5, 4, 11);
        Path victim = FewShotImages.imageFiles(character(broken, names.get(0))).get(0);
        Files.write(victim, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});
        Omniglot d = dataset(broken, SPLIT + ", rotations = none");
        e = assertThrows(IllegalArgumentException.class, () -> d.collection().pixels(0, 0));
        assertTrue(e.getMessage().contains(victim.toString()) && e.getMessage().contains("not a readable PNG or JPEG"),
                e.getMessage());

        Path badZip = tmp.resolve("bad-zip");
        Files.createDirectories(badZip);
        Files.write(badZip.resolve("images_background.zip"), "not a zip".getBytes());
        e = assertThrows(IllegalArgumentException.class, () -> dataset(badZip, SPLIT));
        assertTrue(e.getMessage().contains("images_background.zip"), e.getMessage());

        Path noPng = tmp.resolve("no-png");
        Files.createDirectories(noPng.resolve("images_background/Latin/character01"));
        e = assertThrows(IllegalArgumentException.class, () -> dataset(noPng, SPLIT));
        assertTrue(e.getMessage().contains("character01") && e.getMessage().contains("holds no .png"), e.getMessage());
    }
}
