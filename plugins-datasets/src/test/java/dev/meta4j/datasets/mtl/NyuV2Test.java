package dev.meta4j.datasets.mtl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.api.data.Targets;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NYUv2 in MTAN's layout on a generated 4×6 fixture (3 training and 2 validation scenes): the
 * layout's checks, channels-first batches with their masks, the held-out validation choice, the
 * flip and scale-crop augmentation of training draws, and every bad input the issue lists.
 */
class NyuV2Test {

    static final int H = 4;
    static final int W = 6;
    static final int TRAIN = 3;
    static final int VAL = 2;

    static PluginTestKit kit;
    static PluginTestKit kit64;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    static Path root;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT32, 5);
        kit64 = PluginTestKit.open(DataType.FLOAT64, 5);
        root = fixture(shared.resolve("nyu"), "<f4");
    }

    @AfterAll
    static void close() {
        kit.close();
        kit64.close();
    }

    static Path fixture(Path at, String imageDescr) {
        return MtlFixtures.scenes(at, new String[] {"label"}, new int[] {NyuV2.CLASSES}, true, TRAIN, VAL, H, W,
                imageDescr);
    }

    static NyuV2 create(PluginTestKit k, Path r, String more) {
        return (NyuV2) k.create(PluginKind.DATASET, "nyuv2", "root = \"" + r + "\", height = " + H + ", width = " + W
                + (more.isEmpty() ? "" : ", " + more), Dataset.class);
    }

    static NyuV2 create(Path r) {
        return create(kit, r, "");
    }

    static float[] floats(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    static long[] longs(NDArray a) {
        return a.toLongArray();
    }

    @Test
    void layoutGivesTheSplitsAndTheSpec() {
        NyuV2 d = create(root);
        assertEquals(TRAIN, d.size(Split.TRAIN));
        assertEquals(VAL, d.size(Split.VALIDATION), "validation-size = 0: val/ is the validation split");
        assertEquals(VAL, d.size(Split.TEST));
        DataSpec spec = d.spec();
        assertArrayEquals(new long[] {3, H, W}, spec.inputShape());
        assertEquals(java.util.List.of("semantic", "depth", "normal"),
                spec.tasks().stream().map(t -> t.name()).toList());
        assertArrayEquals(new long[] {13, H, W}, spec.tasks().get(0).outputShape());
        assertArrayEquals(new long[] {1, H, W}, spec.tasks().get(1).outputShape());
        assertArrayEquals(new long[] {3, H, W}, spec.tasks().get(2).outputShape());
        assertEquals(root.resolve("val").resolve("normal").resolve("1.npy"), d.scenes().file(Split.TEST, 1, 3));
    }

    /** Checks a batch of stored (unaugmented) scenes against the fixture's formulas. */
    static void assertStored(MultiTaskBatch b, int split, int[] files) {
        int n = files.length;
        assertEquals(new Shape(n, 3, H, W), b.inputs().getShape());
        float[] x = floats(b.inputs());
        Targets sem = b.targets("semantic");
        Targets dep = b.targets("depth");
        Targets nor = b.targets("normal");
        assertEquals(DataType.INT64, sem.values().getDataType());
        assertEquals(new Shape(n, H, W), sem.values().getShape());
        assertEquals(new Shape(n, H, W), sem.mask().getShape());
        assertEquals(new Shape(n, 1, H, W), dep.values().getShape());
        assertEquals(new Shape(n, 1, H, W), dep.mask().getShape());
        assertEquals(new Shape(n, 3, H, W), nor.values().getShape());
        assertEquals(new Shape(n, 1, H, W), nor.mask().getShape());
        long[] labels = longs(sem.values());
        float[] semMask = floats(sem.mask());
        float[] depth = floats(dep.values());
        float[] depthMask = floats(dep.mask());
        float[] normal = floats(nor.values());
        float[] normalMask = floats(nor.mask());
        int ignored = 0;
        int invalidDepth = 0;
        int invalidNormal = 0;
        for (int k = 0; k < n; k++) {
            int i = files[k];
            for (int y = 0; y < H; y++) {
                for (int xx = 0; xx < W; xx++) {
                    int p = k * H * W + y * W + xx;
                    for (int c = 0; c < 3; c++) {
                        int at = ((k * 3 + c) * H + y) * W + xx;
                        assertEquals((float) MtlFixtures.image(split, i, y, xx, c), x[at], "image " + k + c + y + xx);
                        assertEquals((float) MtlFixtures.normal(split, i, y, xx, c, W), normal[at]);
                    }
                    int label = MtlFixtures.label(split, i, y, xx, NyuV2.CLASSES);
                    assertEquals(label, labels[p], "-1 is kept in the values");
                    assertEquals(label >= 0 ? 1f : 0f, semMask[p]);
                    double dv = MtlFixtures.depth(split, i, y, xx, W);
                    assertEquals((float) dv, depth[p]);
                    assertEquals(dv != 0 ? 1f : 0f, depthMask[p]);
                    boolean validNormal = MtlFixtures.normal(split, i, y, xx, 0, W) != 0;
                    assertEquals(validNormal ? 1f : 0f, normalMask[p]);
                    ignored += label < 0 ? 1 : 0;
                    invalidDepth += dv == 0 ? 1 : 0;
                    invalidNormal += validNormal ? 0 : 1;
                }
            }
        }
        assertTrue(ignored > 0 && invalidDepth > 0 && invalidNormal > 0, "the fixture exercises every mask");
    }

    @Test
    void batchesAreChannelsFirstWithIgnoreLabelsAndMasks() {
        NyuV2 d = create(root);
        try (NDManager m = kit.manager().newSubManager()) {
            MultiTaskBatch b = d.batch(Split.TRAIN, new int[] {2, 0}, m);
            assertStored(b, 0, new int[] {2, 0});
            assertEquals(m, b.inputs().getManager());
            assertEquals(DataType.FLOAT32, b.inputs().getDataType());
            assertStored(d.batch(Split.TEST, new int[] {1}, m), 1, new int[] {1});
            assertStored(d.batch(Split.VALIDATION, new int[] {0, 1}, m), 1, new int[] {0, 1});
            assertEquals(new Shape(0, 3, H, W), d.batch(Split.TRAIN, new int[0], m).inputs().getShape());
            assertThrows(IndexOutOfBoundsException.class, () -> d.batch(Split.TEST, new int[] {2}, m));
        }
    }

    @Test
    void float64RunsGetTheStoredDoublesExactly() {
        Path r = fixture(dir.resolve("f8"), "<f8");
        NyuV2 d = create(kit64, r, "");
        try (NDManager m = kit64.manager().newSubManager()) {
            MultiTaskBatch b = d.batch(Split.TRAIN, new int[] {1}, m);
            assertEquals(DataType.FLOAT64, b.inputs().getDataType());
            assertEquals(DataType.FLOAT64, b.targets("depth").mask().getDataType());
            double[] x = b.inputs().toDoubleArray();
            assertEquals(MtlFixtures.image(0, 1, 2, 3, 1), x[(1 * H + 2) * W + 3], 0.0);
        }
    }

    @Test
    void validationCanBeHeldOutOfTrainBySplitSeed() {
        NyuV2 a = create(kit, root, "validation-size = 1");
        assertEquals(2, a.size(Split.TRAIN));
        assertEquals(1, a.size(Split.VALIDATION));
        assertEquals(VAL, a.size(Split.TEST));
        Set<Path> all = new HashSet<>();
        all.add(a.scenes().file(Split.VALIDATION, 0, 0));
        all.add(a.scenes().file(Split.TRAIN, 0, 0));
        all.add(a.scenes().file(Split.TRAIN, 1, 0));
        assertEquals(3, all.size(), "held out and train partition train/");
        assertTrue(a.scenes().file(Split.VALIDATION, 0, 0).startsWith(root.resolve("train")));
        assertEquals(a.scenes().file(Split.VALIDATION, 0, 0), create(kit, root, "validation-size = 1")
                .scenes().file(Split.VALIDATION, 0, 0), "the same seed, the same split");
        Set<Path> held = new HashSet<>();
        for (int s = 0; s < 8; s++) {
            held.add(create(kit, root, "validation-size = 1, split-seed = " + s).scenes().file(Split.VALIDATION, 0, 0));
        }
        assertTrue(held.size() > 1, "the seed decides which scene is held out");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> create(kit, root, "validation-size = 3"));
        assertTrue(e.getMessage().contains("leaves no training samples"), e.getMessage());
    }

    @Test
    void withoutAugmentationATrainingDrawIsTheStoredBatch() {
        NyuV2 d = create(root);
        try (NDManager m = kit.manager().newSubManager()) {
            MultiTaskBatch t = d.trainingBatch(new int[] {1, 2}, new Rng(3), m);
            assertStored(t, 0, new int[] {1, 2});
        }
    }

    @Test
    void flipsMirrorEverythingAndNegateNormalX() {
        NyuV2 d = create(kit, root, "augmentation = flip");
        int n = 12;
        int[] same = new int[n];
        Arrays.fill(same, 1);
        try (NDManager m = kit.manager().newSubManager()) {
            MultiTaskBatch stored = d.batch(Split.TRAIN, same, m);
            assertStored(stored, 0, same);
            MultiTaskBatch t = d.trainingBatch(same, new Rng(11), m);
            MultiTaskBatch again = d.trainingBatch(same, new Rng(11), m);
            assertArrayEquals(floats(t.inputs()), floats(again.inputs()), "one generator state, one draw");
            Rng replay = new Rng(11);
            float[] x = floats(t.inputs());
            float[] x0 = floats(stored.inputs());
            float[] nv = floats(t.targets("normal").values());
            float[] n0 = floats(stored.targets("normal").values());
            long[] l = longs(t.targets("semantic").values());
            long[] l0 = longs(stored.targets("semantic").values());
            float[] dm = floats(t.targets("depth").mask());
            float[] dm0 = floats(stored.targets("depth").mask());
            int flipped = 0;
            for (int k = 0; k < n; k++) {
                NpyScenes.View v = d.scenes().draw(replay);
                assertEquals(1.0, v.scale(), "flip only: no scale-crop");
                flipped += v.flip() ? 1 : 0;
                for (int y = 0; y < H; y++) {
                    for (int xx = 0; xx < W; xx++) {
                        int src = v.flip() ? W - 1 - xx : xx;
                        for (int c = 0; c < 3; c++) {
                            int at = ((k * 3 + c) * H + y) * W + xx;
                            int from = ((k * 3 + c) * H + y) * W + src;
                            assertEquals(x0[from], x[at]);
                            assertEquals((c == 0 && v.flip() ? -1 : 1) * n0[from], nv[at], "normal-x is negated");
                        }
                        assertEquals(l0[(k * H + y) * W + src], l[(k * H + y) * W + xx]);
                        assertEquals(dm0[(k * H + y) * W + src], dm[(k * H + y) * W + xx]);
                    }
                }
            }
            assertTrue(flipped > 0 && flipped < n, "both outcomes occur: " + flipped + " of " + n);
            assertStored(d.batch(Split.TRAIN, same, m), 0, same);
        }
    }

    /** PyTorch's align_corners bilinear resize, written from its definition in float64. */
    static double bilinear(double[] src, int channels, int c, NpyScenes.View v, int y, int x) {
        double sy = H > 1 ? y * (v.h() - 1.0) / (H - 1) : 0;
        double sx = W > 1 ? x * (v.w() - 1.0) / (W - 1) : 0;
        int y0 = (int) Math.floor(sy);
        int x0 = (int) Math.floor(sx);
        int y1 = Math.min(y0 + 1, v.h() - 1);
        int x1 = Math.min(x0 + 1, v.w() - 1);
        double fy = sy - y0;
        double fx = sx - x0;
        java.util.function.IntBinaryOperator at = (r, q) -> ((v.top() + r) * W + v.left() + q) * channels + c;
        return (1 - fy) * ((1 - fx) * src[at.applyAsInt(y0, x0)] + fx * src[at.applyAsInt(y0, x1)])
                + fy * ((1 - fx) * src[at.applyAsInt(y1, x0)] + fx * src[at.applyAsInt(y1, x1)]);
    }

    /** PyTorch's legacy nearest rule: floor(o * in / out). */
    static int nearest(int o, int in, int out) {
        return Math.min((int) Math.floor(o * (double) in / out), in - 1);
    }

    @Test
    void scaleCropResizesAsMtanAndDividesDepthByTheScale() {
        NyuV2 d = create(kit, root, "augmentation = scale-crop-flip");
        int n = 24;
        int[] files = IntStream.range(0, n).map(i -> i % TRAIN).toArray();
        double[][] image = new double[TRAIN][H * W * 3];
        double[][] normal = new double[TRAIN][H * W * 3];
        for (int i = 0; i < TRAIN; i++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    for (int c = 0; c < 3; c++) {
                        image[i][(y * W + x) * 3 + c] = (float) MtlFixtures.image(0, i, y, x, c);
                        normal[i][(y * W + x) * 3 + c] = (float) MtlFixtures.normal(0, i, y, x, c, W);
                    }
                }
            }
        }
        try (NDManager m = kit.manager().newSubManager()) {
            MultiTaskBatch t = d.trainingBatch(files, new Rng(2024), m);
            Rng replay = new Rng(2024);
            float[] x = floats(t.inputs());
            float[] nv = floats(t.targets("normal").values());
            long[] l = longs(t.targets("semantic").values());
            float[] dv = floats(t.targets("depth").values());
            float[] dm = floats(t.targets("depth").mask());
            Set<Double> scales = new HashSet<>();
            int flips = 0;
            for (int k = 0; k < n; k++) {
                NpyScenes.View v = d.scenes().draw(replay);
                scales.add(v.scale());
                flips += v.flip() ? 1 : 0;
                assertEquals((int) (H / v.scale()), v.h());
                assertEquals((int) (W / v.scale()), v.w());
                assertTrue(v.top() >= 0 && v.top() + v.h() <= H && v.left() >= 0 && v.left() + v.w() <= W);
                int i = files[k];
                for (int y = 0; y < H; y++) {
                    for (int xx = 0; xx < W; xx++) {
                        int xs = v.flip() ? W - 1 - xx : xx;
                        for (int c = 0; c < 3; c++) {
                            int at = ((k * 3 + c) * H + y) * W + xx;
                            assertEquals(bilinear(image[i], 3, c, v, y, xs), x[at], 1e-6, "image");
                            double want = bilinear(normal[i], 3, c, v, y, xs) * (c == 0 && v.flip() ? -1 : 1);
                            assertEquals(want, nv[at], 1e-6, "normal");
                        }
                        int sy = v.top() + nearest(y, v.h(), H);
                        int sx = v.left() + nearest(xs, v.w(), W);
                        int p = (k * H + y) * W + xx;
                        assertEquals(MtlFixtures.label(0, i, sy, sx, NyuV2.CLASSES), l[p], "label, nearest");
                        double depth = MtlFixtures.depth(0, i, sy, sx, W);
                        assertEquals((float) ((float) depth / v.scale()), dv[p], 1e-6, "depth, nearest, / scale");
                        assertEquals(depth != 0 ? 1f : 0f, dm[p], "the mask follows the augmented depth");
                    }
                }
            }
            assertEquals(Set.of(1.0, 1.2, 1.5), scales, "every scale of RandomScaleCrop occurs");
            assertTrue(flips > 0 && flips < n);
        }
    }

    @Test
    void theRulesOfTheResizeAreTorchs() {
        assertEquals(0, NpyScenes.nearest(0, 3, 4));
        assertEquals(2, NpyScenes.nearest(3, 3, 4), "floor(3 * 0.75)");
        assertEquals(1, NpyScenes.nearest(3, 2, 4), "out = 2 in: o >> 1");
        assertEquals(5, NpyScenes.nearest(5, 7, 7));
        // 240 of 288 rows (scale 1.2): torch's float32 scale 0.8333333 puts row 287 on 239.
        assertEquals(239, NpyScenes.nearest(287, 240, 288));
        assertEquals(200, NpyScenes.nearest(240, 240, 288));
        int[] lo = new int[4];
        int[] hi = new int[4];
        float[] w = new float[4];
        NpyScenes.linear(3, 4, lo, hi, w);
        assertArrayEquals(new int[] {0, 0, 1, 2}, lo);
        assertArrayEquals(new int[] {1, 1, 2, 2}, hi, "the last sample has no upper neighbour");
        assertEquals(2f / 3, w[1], 1e-7);
    }

    // ---- bad inputs: each names the file or folder ----

    private Path copy() {
        return fixture(dir.resolve("bad"), "<f4");
    }

    private static String refused(Path r, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> create(r));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
        }
        return e.getMessage();
    }

    @Test
    void aMissingRootSplitOrTaskFolderIsNamed() throws IOException {
        Path r = copy();
        refused(r.resolve("nowhere"), "nyuv2 folder " + r.resolve("nowhere") + " does not exist",
                "{train,val}/{image,label,depth,normal}/<i>.npy");
        deleteTree(r.resolve("val"));
        refused(r, "split folder " + r.resolve("val") + " is missing");
        Path r2 = fixture(dir.resolve("bad2"), "<f4");
        deleteTree(r2.resolve("train").resolve("normal"));
        refused(r2, "folder " + r2.resolve("train").resolve("normal") + " is missing");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kit.create(PluginKind.DATASET, "nyuv2", "", Dataset.class));
        assertTrue(e.getMessage().contains("needs dataset.root"), e.getMessage());
    }

    @Test
    void unequalFileCountsAcrossTaskFoldersAreListed() throws IOException {
        Path r = copy();
        Files.delete(r.resolve("train").resolve("depth").resolve("2.npy"));
        refused(r, r.resolve("train").toString(), "different numbers of .npy files",
                "image 3, label 3, depth 2, normal 3");
    }

    @Test
    void filesMustBeNumberedFromZero() throws IOException {
        Path r = copy();
        for (String f : new String[] {"image", "label", "depth", "normal"}) {
            Path folder = r.resolve("train").resolve(f);
            Files.move(folder.resolve("1.npy"), folder.resolve("7.npy"));
        }
        refused(r, r.resolve("train").resolve("image").toString(), "1.npy is missing");
        Path r2 = fixture(dir.resolve("names"), "<f4");
        Files.copy(r2.resolve("val/label/0.npy"), r2.resolve("val/label/label0.npy"));
        refused(r2, r2.resolve("val/label/label0.npy").toString(), "is not named <i>.npy");
        Path r3 = fixture(dir.resolve("other"), "<f4");
        Files.writeString(r3.resolve("val/label/README.txt"), "not a sample");
        assertEquals(VAL, create(r3).size(Split.TEST), "files that are not .npy are ignored, as MTAN counts *.npy");
    }

    @Test
    void aWrongShapeNamesTheFileAndTheExpectedShape() {
        Path r = copy();
        Path f = r.resolve("train/image/1.npy");
        MtlFixtures.npy(f, "<f4", new long[] {H, W, 4}, new double[H * W * 4]);
        refused(r, f.toString(), "shape (4, 6, 4)", "expected (4, 6, 3)");
        Path g = r.resolve("train/image/1.npy");
        MtlFixtures.npy(g, "<f4", new long[] {3, H, W}, new double[H * W * 3]);
        refused(r, g.toString(), "shape (3, 4, 6)", "channels-last");
        MtlFixtures.npy(g, "<f4", new long[] {H, W, 3}, new double[H * W * 3]);
        Path depth = r.resolve("val/depth/0.npy");
        MtlFixtures.npy(depth, "<f4", new long[] {H, W}, new double[H * W]);
        refused(r, depth.toString(), "expected (4, 6, 1)");
    }

    @Test
    void truncatedAndPickledFilesAreNamedWhenTheDatasetOpens() throws IOException {
        Path r = copy();
        Path f = r.resolve("train/depth/0.npy");
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 10));
        refused(r, f.toString(), "truncated");
        Files.write(f, all);
        Path p = r.resolve("val/normal/1.npy");
        MtlFixtures.rawNpy(p, 1, "{'descr': '|O', 'fortran_order': False, 'shape': (4, 6, 3), }", new byte[40]);
        refused(r, p.toString(), "pickled");
    }

    @Test
    void labelsOutsideTheClassesAndNonFiniteValuesAreNamedWhenRead() {
        Path r = copy();
        double[] bad = new double[H * W];
        bad[7] = 13;
        Path f = MtlFixtures.npy(r.resolve("train/label/2.npy"), "<f4", new long[] {H, W}, bad);
        NyuV2 d = create(r);
        try (NDManager m = kit.manager().newSubManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.batch(Split.TRAIN, new int[] {2}, m));
            assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("13.0 at pixel (1, 1)")
                    && e.getMessage().contains("[0, 13)"), e.getMessage());
            bad[7] = 0.5;
            MtlFixtures.npy(f, "<f4", new long[] {H, W}, bad);
            assertThrows(IllegalArgumentException.class, () -> d.batch(Split.TRAIN, new int[] {2}, m));
            double[] depth = new double[H * W];
            depth[3] = Double.NaN;
            Path g = MtlFixtures.npy(r.resolve("val/depth/1.npy"), "<f4", new long[] {H, W, 1}, depth);
            e = assertThrows(IllegalArgumentException.class, () -> d.batch(Split.TEST, new int[] {1}, m));
            assertTrue(e.getMessage().contains(g.toString()) && e.getMessage().contains("not finite"), e.getMessage());
        }
    }

    @Test
    void theTasksLossesReadTheTargetsAndMasks() {
        NyuV2 d = create(root);
        java.util.Random random = new java.util.Random(3);
        try (NDManager m = kit.manager().newSubManager()) {
            MultiTaskBatch b = d.batch(Split.TRAIN, new int[] {0, 2}, m);
            int n = 2;
            float[] logits = new float[n * 13 * H * W];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) random.nextGaussian();
            }
            NDArray z = m.create(logits, new Shape(n, 13, H, W));
            double loss = d.spec().tasks().get(0).loss(z, b.targets("semantic")).getFloat();
            long[] labels = longs(b.targets("semantic").values());
            double sum = 0;
            int count = 0;
            for (int k = 0; k < n; k++) {
                for (int p = 0; p < H * W; p++) {
                    long y = labels[k * H * W + p];
                    if (y < 0) {
                        continue;
                    }
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < 13; c++) {
                        max = Math.max(max, logits[(k * 13 + c) * H * W + p]);
                    }
                    double z2 = 0;
                    for (int c = 0; c < 13; c++) {
                        z2 += Math.exp(logits[(k * 13 + c) * H * W + p] - max);
                    }
                    sum += -(logits[(int) ((k * 13 + y) * H * W + p)] - max - Math.log(z2));
                    count++;
                }
            }
            assertEquals(sum / count, loss, 1e-5, "cross-entropy over the pixels that are not -1");

            float[] pred = new float[n * H * W];
            for (int i = 0; i < pred.length; i++) {
                pred[i] = (float) random.nextGaussian();
            }
            float[] depth = floats(b.targets("depth").values());
            double l1 = 0;
            int valid = 0;
            for (int i = 0; i < pred.length; i++) {
                if (depth[i] != 0) {
                    l1 += Math.abs(pred[i] - depth[i]);
                    valid++;
                }
            }
            double got = d.spec().tasks().get(1).loss(m.create(pred, new Shape(n, 1, H, W)), b.targets("depth")).getFloat();
            assertEquals(l1 / valid, got, 1e-5, "L1 over the pixels whose depth is not 0");

            float[] normals = floats(b.targets("normal").values());
            float[] q = new float[normals.length];
            double dot = 0;
            int pixels = 0;
            for (int k = 0; k < n; k++) {
                for (int p = 0; p < H * W; p++) {
                    boolean ok = normals[(k * 3) * H * W + p] != 0 || normals[(k * 3 + 1) * H * W + p] != 0
                            || normals[(k * 3 + 2) * H * W + p] != 0;
                    for (int c = 0; c < 3; c++) {
                        q[(k * 3 + c) * H * W + p] = (float) random.nextGaussian();
                        if (ok) {
                            dot += q[(k * 3 + c) * H * W + p] * normals[(k * 3 + c) * H * W + p];
                        }
                    }
                    pixels += ok ? 1 : 0;
                }
            }
            got = d.spec().tasks().get(2).loss(m.create(q, new Shape(n, 3, H, W)), b.targets("normal")).getFloat();
            assertEquals(1 - dot / pixels, got, 1e-5, "1 - mean dot product over valid pixels");

            // The split-wide loss weights each batch by its counted pixels.
            var evaluator = d.spec().tasks().get(1).newEvaluator();
            MultiTaskBatch first = d.batch(Split.TRAIN, new int[] {0}, m);
            MultiTaskBatch second = d.batch(Split.TRAIN, new int[] {2}, m);
            NDArray whole = m.create(pred, new Shape(n, 1, H, W));
            evaluator.add(whole.get("0:1"), first.targets("depth"));
            evaluator.add(whole.get("1:2"), second.targets("depth"));
            assertEquals(l1 / valid, evaluator.result().get("loss").orElseThrow(), 1e-5);
        }
    }

    static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
