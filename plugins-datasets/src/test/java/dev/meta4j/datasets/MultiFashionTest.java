package dev.meta4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.api.data.MultiTaskDataset;
import dev.meta4j.api.data.Task;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Multi-Fashion on small IDX fixtures (random 28×28 images, so every source image can be
 * recognised from the canvas regions that only it covers).
 */
class MultiFashionTest {

    private static final int TRAIN = 40;
    private static final int TEST = 15;
    private static final int VALIDATION = 8;

    private static PluginTestKit kit;
    private static PluginTestKit kit64;

    @TempDir
    static Path dir;

    private static IdxFixtures.Fashion gz;
    private static IdxFixtures.Fashion plain;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT32, 3);
        kit64 = PluginTestKit.open(DataType.FLOAT64, 3);
        gz = IdxFixtures.fashion(dir.resolve("gz"), TRAIN, TEST, true, 11);
        plain = IdxFixtures.fashion(dir.resolve("plain"), TRAIN, TEST, false, 11);
    }

    @AfterAll
    static void close() {
        kit.close();
        kit64.close();
    }

    private static MultiFashion create(PluginTestKit k, Path root, String overrides) {
        String conf = "root = \"" + root + "\", validation-size = " + VALIDATION + (overrides.isEmpty() ? "" : ", " + overrides);
        return (MultiFashion) k.create(PluginKind.DATASET, "multi-fashion", conf, Dataset.class);
    }

    private static MultiFashion create(String overrides) {
        return create(kit, gz.root(), overrides);
    }

    private static int[] all(MultiTaskDataset d, Split s) {
        return IntStream.range(0, d.size(s)).toArray();
    }

    /** The 0..255 value of a canvas pixel of a float batch. */
    private static int pixel(float[] batch, int k, int y, int x) {
        float v = batch[k * 1296 + y * 36 + x];
        int p = Math.round(v * 255f);
        assertEquals((float) (p / 255.0), v, 0f, "pixel is a multiple of 1/255");
        return p;
    }

    /** The training- or test-file image whose left-only region (rows 0..7) matches canvas k. */
    private static int identifyLeft(float[] batch, int k, boolean test, IdxFixtures.Fashion f) {
        List<Integer> hits = new ArrayList<>();
        int n = test ? f.testCount() : f.trainCount();
        for (int i = 0; i < n; i++) {
            boolean ok = true;
            for (int y = 0; y < 8 && ok; y++) {
                for (int x = 0; x < 28 && ok; x++) {
                    ok = pixel(batch, k, y, x) == (test ? f.testPixel(i, y, x) : f.trainPixel(i, y, x));
                }
            }
            if (ok) {
                hits.add(i);
            }
        }
        assertEquals(1, hits.size(), "exactly one source image fits the top rows of canvas " + k + ": " + hits);
        return hits.get(0);
    }

    /** The image whose bottom rows (20..27) appear in the right-only canvas rows 28..35. */
    private static int identifyRight(float[] batch, int k, boolean test, IdxFixtures.Fashion f) {
        List<Integer> hits = new ArrayList<>();
        int n = test ? f.testCount() : f.trainCount();
        for (int i = 0; i < n; i++) {
            boolean ok = true;
            for (int y = 20; y < 28 && ok; y++) {
                for (int x = 0; x < 28 && ok; x++) {
                    ok = pixel(batch, k, y + 8, x + 8) == (test ? f.testPixel(i, y, x) : f.trainPixel(i, y, x));
                }
            }
            if (ok) {
                hits.add(i);
            }
        }
        assertEquals(1, hits.size(), "exactly one source image fits the bottom rows of canvas " + k + ": " + hits);
        return hits.get(0);
    }

    /** max(a at (0, 0), b at (8, 8)), each only inside its own 28×28 square, else 0. */
    private static int expected(IdxFixtures.Fashion f, boolean test, int a, int b, int y, int x) {
        int v = 0;
        if (y < 28 && x < 28) {
            v = test ? f.testPixel(a, y, x) : f.trainPixel(a, y, x);
        }
        if (y >= 8 && x >= 8) {
            v = Math.max(v, test ? f.testPixel(b, y - 8, x - 8) : f.trainPixel(b, y - 8, x - 8));
        }
        return v;
    }

    @Test
    void specHasTwoTenClassTasksOn36x36() {
        DataSpec s = create("").spec();
        assertArrayEquals(new long[] {1, 36, 36}, s.inputShape());
        assertEquals(List.of("left", "right"), s.tasks().stream().map(Task::name).toList());
        for (Task t : s.tasks()) {
            assertEquals(10, t.outputs(), t.name());
            assertEquals("accuracy", t.metric().name());
            assertTrue(t.metric().higherIsBetter());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Split.class)
    void canvasIsMaxOfLeftAtOriginAndRightAtEightAndLabelsFollowThePairs(Split split) {
        MultiFashion d = create("");
        boolean test = split == Split.TEST;
        try (NDManager m = kit.manager().newSubManager()) {
            MultiTaskBatch b = d.batch(split, all(d, split), m);
            float[] x = b.inputs().toFloatArray();
            long[] left = b.targets("left").values().toLongArray();
            long[] right = b.targets("right").values().toLongArray();
            byte[] labels = test ? gz.testLabels() : gz.trainLabels();
            int leftWins = 0;
            int rightWins = 0;
            for (int k = 0; k < b.size(); k++) {
                int a = identifyLeft(x, k, test, gz);
                int c = identifyRight(x, k, test, gz);
                assertArrayEquals(new int[] {a, c}, d.items(split, k), "pairs as the dataset reports them");
                assertNotEquals(a, c, "an image is not its own partner");
                assertEquals(labels[a], left[k], "left label of canvas " + k);
                assertEquals(labels[c], right[k], "right label of canvas " + k);
                // chosen pixels: left only, overlap corners, right only, and the two empty corners
                int[][] chosen = {{0, 0}, {7, 7}, {0, 27}, {27, 0}, {8, 8}, {8, 27}, {27, 8}, {27, 27}, {17, 12},
                    {28, 28}, {35, 35}, {28, 8}, {8, 35}, {0, 35}, {35, 0}, {7, 35}, {35, 7}};
                for (int[] p : chosen) {
                    assertEquals(expected(gz, test, a, c, p[0], p[1]), pixel(x, k, p[0], p[1]),
                            "canvas " + k + " pixel " + p[0] + "," + p[1]);
                }
                assertEquals(0, pixel(x, k, 0, 35));
                assertEquals(0, pixel(x, k, 35, 0));
                // and every pixel, with the overlap decided both ways
                for (int yy = 0; yy < 36; yy++) {
                    for (int xx = 0; xx < 36; xx++) {
                        assertEquals(expected(gz, test, a, c, yy, xx), pixel(x, k, yy, xx),
                                "canvas " + k + " pixel " + yy + "," + xx);
                        if (yy >= 8 && xx >= 8 && yy < 28 && xx < 28) {
                            int l = test ? gz.testPixel(a, yy, xx) : gz.trainPixel(a, yy, xx);
                            int r = test ? gz.testPixel(c, yy - 8, xx - 8) : gz.trainPixel(c, yy - 8, xx - 8);
                            leftWins += l > r ? 1 : 0;
                            rightWins += r > l ? 1 : 0;
                        }
                    }
                }
            }
            assertTrue(leftWins > 100 && rightWins > 100, "the overlap is decided both ways: " + leftWins + "/" + rightWins);
        }
    }

    @Test
    void everyImageOfASplitIsTheLeftItemOnceAndPartnersStayInTheSplit() {
        MultiFashion d = create("");
        Set<Integer> trainUsed = new HashSet<>();
        Set<Integer> trainLeft = new HashSet<>();
        Set<Integer> validationUsed = new HashSet<>();
        Set<Integer> validationLeft = new HashSet<>();
        for (int k = 0; k < d.size(Split.TRAIN); k++) {
            int[] p = d.items(Split.TRAIN, k);
            assertTrue(trainLeft.add(p[0]), "image " + p[0] + " is a left item twice");
            trainUsed.add(p[0]);
            trainUsed.add(p[1]);
        }
        for (int k = 0; k < d.size(Split.VALIDATION); k++) {
            int[] p = d.items(Split.VALIDATION, k);
            assertTrue(validationLeft.add(p[0]));
            validationUsed.add(p[0]);
            validationUsed.add(p[1]);
        }
        assertEquals(trainLeft, trainUsed, "training partners are training images");
        assertEquals(validationLeft, validationUsed, "validation partners are validation images");
        Set<Integer> both = new HashSet<>(trainUsed);
        both.retainAll(validationUsed);
        assertTrue(both.isEmpty(), "train and validation share images " + both);
        Set<Integer> union = new HashSet<>(trainUsed);
        union.addAll(validationUsed);
        assertEquals(TRAIN, union.size(), "the two splits cover the training file");
        Set<Integer> testLeft = new HashSet<>();
        for (int k = 0; k < d.size(Split.TEST); k++) {
            int[] p = d.items(Split.TEST, k);
            testLeft.add(p[0]);
            assertTrue(p[1] >= 0 && p[1] < TEST);
        }
        assertEquals(TEST, testLeft.size(), "every test image is a left item");
    }

    @Test
    void partnersAreUniformOverTheOtherImages() {
        // two training images: each must be the other's partner, for every seed
        Path two = dir.resolve("two");
        IdxFixtures.fashion(two, 3, 2, false, 4);
        for (int seed = 0; seed < 20; seed++) {
            MultiFashion d = create(kit, two, "validation-size = 1, pair-seed = " + seed);
            assertEquals(2, d.size(Split.TRAIN));
            assertEquals(d.items(Split.TRAIN, 0)[0], d.items(Split.TRAIN, 1)[1]);
            assertEquals(d.items(Split.TRAIN, 1)[0], d.items(Split.TRAIN, 0)[1]);
            assertArrayEquals(new int[] {0, 1}, d.items(Split.TEST, 0));
            assertArrayEquals(new int[] {1, 0}, d.items(Split.TEST, 1));
            assertEquals(1, d.size(Split.VALIDATION));
            int[] lone = d.items(Split.VALIDATION, 0);
            assertEquals(lone[0], lone[1], "a lone image can only be paired with itself");
        }
        // fifteen test images over 100 seeds: every other image is drawn as a partner, never itself
        int[][] hits = new int[TEST][TEST];
        for (int seed = 0; seed < 100; seed++) {
            MultiFashion d = create("pair-seed = " + seed);
            for (int k = 0; k < TEST; k++) {
                hits[k][d.items(Split.TEST, k)[1]]++;
            }
        }
        for (int k = 0; k < TEST; k++) {
            for (int j = 0; j < TEST; j++) {
                if (j == k) {
                    assertEquals(0, hits[k][j], "image " + k + " paired with itself");
                } else {
                    assertTrue(hits[k][j] > 0 && hits[k][j] < 25, "image " + k + " got partner " + j + " "
                            + hits[k][j] + " times in 100 (expected about 7)");
                }
            }
        }
    }

    @Test
    void splitSizesAndCaps() {
        MultiFashion d = create("");
        assertEquals(TRAIN - VALIDATION, d.size(Split.TRAIN));
        assertEquals(VALIDATION, d.size(Split.VALIDATION));
        assertEquals(TEST, d.size(Split.TEST));

        MultiFashion capped = create("train-size = 10, test-size = 4");
        assertEquals(10, capped.size(Split.TRAIN));
        assertEquals(VALIDATION, capped.size(Split.VALIDATION), "the cap leaves the validation split alone");
        assertEquals(4, capped.size(Split.TEST));
        for (int k = 0; k < 10; k++) {
            int[] p = capped.items(Split.TRAIN, k);
            assertEquals(d.items(Split.TRAIN, k)[0], p[0], "a cap keeps the first training images");
        }
        Set<Integer> lefts = new HashSet<>();
        for (int k = 0; k < 10; k++) {
            lefts.add(capped.items(Split.TRAIN, k)[0]);
        }
        for (int k = 0; k < 10; k++) {
            assertTrue(lefts.contains(capped.items(Split.TRAIN, k)[1]), "partners come from the capped set");
        }

        MultiFashion over = create("train-size = 1000, test-size = 1000");
        assertEquals(TRAIN - VALIDATION, over.size(Split.TRAIN), "a cap above the count takes all");
        assertEquals(TEST, over.size(Split.TEST));

        MultiFashion none = create(kit, gz.root(), "validation-size = 0");
        assertEquals(0, none.size(Split.VALIDATION));
        assertEquals(TRAIN, none.size(Split.TRAIN));
        try (NDManager m = kit.manager().newSubManager()) {
            MultiTaskBatch b = none.batch(Split.VALIDATION, new int[0], m);
            assertEquals(new Shape(0, 1, 36, 36), b.inputs().getShape());
            assertEquals(new Shape(0), b.targets("right").values().getShape());
        }

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> create(kit, gz.root(), "validation-size = " + TRAIN));
        assertTrue(e.getMessage().contains("validation-size = " + TRAIN) && e.getMessage().contains("has " + TRAIN),
                e.getMessage());
    }

    @Test
    void samePairSeedSameDatasetOtherSeedOtherPairs() {
        MultiFashion a = create("pair-seed = 5");
        MultiFashion b = create("pair-seed = 5");
        MultiFashion c = create("pair-seed = 6");
        int differentPartners = 0;
        for (Split s : Split.values()) {
            for (int k = 0; k < a.size(s); k++) {
                assertArrayEquals(a.items(s, k), b.items(s, k));
                if (a.items(s, k)[1] != c.items(s, k)[1] || a.items(s, k)[0] != c.items(s, k)[0]) {
                    differentPartners++;
                }
            }
        }
        assertTrue(differentPartners > 20, "another pair-seed pairs differently: " + differentPartners);
        // the test split holds the same images in file order whatever the seed: only partners move
        int testPartners = 0;
        for (int k = 0; k < TEST; k++) {
            assertEquals(k, a.items(Split.TEST, k)[0]);
            assertEquals(k, c.items(Split.TEST, k)[0]);
            testPartners += a.items(Split.TEST, k)[1] != c.items(Split.TEST, k)[1] ? 1 : 0;
        }
        assertTrue(testPartners > TEST / 2, "another pair-seed gives other test partners: " + testPartners);
        Set<Integer> va = new HashSet<>();
        Set<Integer> vc = new HashSet<>();
        for (int k = 0; k < VALIDATION; k++) {
            va.add(a.items(Split.VALIDATION, k)[0]);
            vc.add(c.items(Split.VALIDATION, k)[0]);
        }
        assertNotEquals(va, vc, "another pair-seed holds out other images");
        try (NDManager m = kit.manager().newSubManager()) {
            int[] idx = all(a, Split.TRAIN);
            MultiTaskBatch ba = a.batch(Split.TRAIN, idx, m);
            MultiTaskBatch bb = b.batch(Split.TRAIN, idx, m);
            MultiTaskBatch bc = c.batch(Split.TRAIN, idx, m);
            assertArrayEquals(ba.inputs().toFloatArray(), bb.inputs().toFloatArray());
            assertArrayEquals(ba.targets("right").values().toLongArray(), bb.targets("right").values().toLongArray());
            assertTrue(!java.util.Arrays.equals(ba.inputs().toFloatArray(), bc.inputs().toFloatArray()));
        }
    }

    @Test
    void experimentSeedDoesNotChangeTheDataset() {
        try (PluginTestKit other = PluginTestKit.open(DataType.FLOAT32, 999)) {
            MultiFashion a = create("");
            MultiFashion b = create(other, gz.root(), "");
            for (Split s : Split.values()) {
                for (int k = 0; k < a.size(s); k++) {
                    assertArrayEquals(a.items(s, k), b.items(s, k));
                }
            }
        }
    }

    @Test
    void batchShapesTypesAndRange() {
        MultiFashion d = create("");
        try (NDManager m = kit.manager().newSubManager()) {
            MultiTaskBatch b = d.batch(Split.TRAIN, new int[] {3, 0, 3, 31}, m);
            assertEquals(new Shape(4, 1, 36, 36), b.inputs().getShape());
            assertEquals(DataType.FLOAT32, b.inputs().getDataType());
            assertEquals(2, b.targets().size());
            for (int t = 0; t < 2; t++) {
                assertEquals(new Shape(4), b.targets(List.of("left", "right").get(t)).values().getShape());
                assertEquals(DataType.INT64, b.targets(List.of("left", "right").get(t)).values().getDataType());
            }
            assertEquals(m, b.inputs().getManager(), "arrays are created in the given manager");
            assertEquals(m, b.targets("left").values().getManager());
            float[] x = b.inputs().toFloatArray();
            for (float v : x) {
                assertTrue(v >= 0f && v <= 1f);
            }
            // indices are honoured: positions 0 and 2 hold the same canvas, position 1 another
            float[] c0 = java.util.Arrays.copyOfRange(x, 0, 1296);
            assertArrayEquals(c0, java.util.Arrays.copyOfRange(x, 2 * 1296, 3 * 1296));
            assertTrue(!java.util.Arrays.equals(c0, java.util.Arrays.copyOfRange(x, 1296, 2 * 1296)));
            MultiTaskBatch one = d.batch(Split.TRAIN, new int[] {3}, m);
            assertArrayEquals(c0, one.inputs().toFloatArray());
            assertEquals(one.targets("left").values().getLong(0), b.targets("left").values().getLong(0));

            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> d.batch(Split.VALIDATION, new int[] {VALIDATION}, m));
            assertTrue(e.getMessage().contains("validation"), e.getMessage());
        }
    }

    @Test
    void float64InputsAreExactMultiplesOf1Over255() {
        MultiFashion d = create(kit64, gz.root(), "");
        MultiFashion f = create("");
        try (NDManager m = kit64.manager().newSubManager()) {
            MultiTaskBatch b = d.batch(Split.TEST, new int[] {0, 1}, m);
            assertEquals(DataType.FLOAT64, b.inputs().getDataType());
            double[] x = b.inputs().toDoubleArray();
            float[] x32 = f.batch(Split.TEST, new int[] {0, 1}, m).inputs().toFloatArray();
            for (int i = 0; i < x.length; i++) {
                long p = Math.round(x[i] * 255);
                assertEquals(p / 255.0, x[i], 0.0);
                assertEquals((float) x[i], x32[i], 0f);
            }
        }
    }

    @Test
    void standardNormalizationGivesZeroMeanUnitVarianceOnTrain() {
        MultiFashion d = create("normalization = standard");
        MultiFashion raw = create("");
        assertTrue(d.mean() > 0.3 && d.mean() < 0.6, "random fixtures have mean about 0.45: " + d.mean());
        try (NDManager m = kit64.manager().newSubManager()) {
            MultiFashion d64 = create(kit64, gz.root(), "normalization = standard");
            double[] x = d64.batch(Split.TRAIN, all(d64, Split.TRAIN), m).inputs().toDoubleArray();
            double sum = 0;
            double sq = 0;
            for (double v : x) {
                sum += v;
                sq += v * v;
            }
            double mean = sum / x.length;
            double var = sq / x.length - mean * mean;
            assertEquals(0, mean, 1e-9);
            assertEquals(1, var, 1e-9);
            double[] r = create(kit64, gz.root(), "").batch(Split.TEST, new int[] {2}, m).inputs().toDoubleArray();
            double[] n = d64.batch(Split.TEST, new int[] {2}, m).inputs().toDoubleArray();
            for (int i = 0; i < r.length; i++) {
                assertEquals((r[i] - d.mean()) / d.std(), n[i], 1e-12, "test inputs use the training statistics");
            }
        }
        assertEquals(0.0, raw.mean());
        assertEquals(1.0, raw.std());
    }

    @Test
    void plainAndGzippedFilesGiveTheSameDataset() {
        MultiFashion a = create(kit, gz.root(), "");
        MultiFashion b = create(kit, plain.root(), "");
        try (NDManager m = kit.manager().newSubManager()) {
            for (Split s : Split.values()) {
                MultiTaskBatch x = a.batch(s, all(a, s), m);
                MultiTaskBatch y = b.batch(s, all(b, s), m);
                assertArrayEquals(x.inputs().toFloatArray(), y.inputs().toFloatArray());
                assertArrayEquals(x.targets("left").values().toLongArray(), y.targets("left").values().toLongArray());
                assertArrayEquals(x.targets("right").values().toLongArray(), y.targets("right").values().toLongArray());
            }
        }
    }

    @Test
    void missingRootSaysHowToInstall() {
        Path nowhere = dir.resolve("no-such-folder");
        String m = assertThrows(IllegalArgumentException.class, () -> create(kit, nowhere, "")).getMessage();
        assertTrue(m.contains(nowhere.toString()) && m.contains("does not exist"), m);
        assertTrue(m.contains("apt-get install dataset-fashion-mnist") && m.contains("dataset.root"), m);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte"})
    void missingFileIsNamed(String base) throws Exception {
        Path root = dir.resolve("missing-" + base);
        IdxFixtures.fashion(root, 5, 3, true, 1);
        Files.delete(root.resolve(base + ".gz"));
        String m = assertThrows(IllegalArgumentException.class, () -> create(kit, root, "validation-size = 1"))
                .getMessage();
        assertTrue(m.contains(root.resolve(base + ".gz").toString()) && m.contains(root.resolve(base).toString()), m);
        assertTrue(m.contains("dataset.root"), m);
    }

    @Test
    void imageAndLabelCountsMustAgree() {
        Path root = dir.resolve("mismatch");
        IdxFixtures.fashion(root, 6, 3, true, 1);
        IdxFixtures.write(root.resolve("train-labels-idx1-ubyte.gz"), IdxFixtures.idx(new int[] {5}, new byte[5]), true);
        String m = assertThrows(IllegalArgumentException.class, () -> create(kit, root, "validation-size = 1"))
                .getMessage();
        assertTrue(m.contains("train-images-idx3-ubyte.gz") && m.contains("train-labels-idx1-ubyte.gz"), m);
        assertTrue(m.contains("6 images") && m.contains("5 labels"), m);
    }

    @Test
    void imagesMustBe28x28AndLabelsClasses() {
        Path root = dir.resolve("small-images");
        IdxFixtures.fashion(root, 6, 3, false, 1);
        IdxFixtures.write(root.resolve("t10k-images-idx3-ubyte"), IdxFixtures.idx(new int[] {3, 20, 20}, new byte[1200]),
                false);
        String m = assertThrows(IllegalArgumentException.class, () -> create(kit, root, "validation-size = 1"))
                .getMessage();
        assertTrue(m.contains("t10k-images-idx3-ubyte") && m.contains("20×20") && m.contains("28×28"), m);

        Path bad = dir.resolve("bad-label");
        IdxFixtures.fashion(bad, 6, 3, false, 1);
        IdxFixtures.write(bad.resolve("t10k-labels-idx1-ubyte"), IdxFixtures.idx(new int[] {3}, new byte[] {1, 10, 2}),
                false);
        m = assertThrows(IllegalArgumentException.class, () -> create(kit, bad, "validation-size = 1")).getMessage();
        assertTrue(m.contains("t10k-labels-idx1-ubyte") && m.contains("label 10 of item 1"), m);
    }
}
