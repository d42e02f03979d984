package dev.meta4j.datasets.mtl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.data.AngleErrors;
import dev.meta4j.api.data.SingleTaskBaselines;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.TaskEvaluator;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dense tasks' split-wide metrics against values computed by hand: the ignore label and
 * masks, mIoU over the whole split (a class absent from a batch, a class absent from the split),
 * whole-split means where the references average batch means, medians, strict thresholds, F1
 * from counts, MAE in original units, and the directions each metric states.
 */
class DenseMetricsTest {

    static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 1);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    /** Logits [1, classes, 1, W] whose arg-max is {@code predicted}. */
    static NDArray logits(NDManager m, int classes, long[] predicted) {
        double[] v = new double[classes * predicted.length];
        for (int x = 0; x < predicted.length; x++) {
            v[(int) predicted[x] * predicted.length + x] = 5;
        }
        return m.create(v, new Shape(1, classes, 1, predicted.length));
    }

    static Metrics evaluate(TaskEvaluator e) {
        return e.result();
    }

    @Test
    void miouIsOverTheWholeSplitAndItsPresentClasses() {
        // 4 classes; class 1 is absent from batch B, class 3 from the whole split; -1 is ignored.
        SegmentationTask t = new SegmentationTask("semantic", 4, 1, 4);
        try (NDManager m = kit.manager().newSubManager()) {
            TaskEvaluator e = t.newEvaluator();
            NDArray pa = logits(m, 4, new long[] {0, 1, 1, 2});
            Targets ta = Targets.of(m.create(new long[] {0, 0, 1, -1}, new Shape(1, 1, 4)));
            NDArray pb = logits(m, 4, new long[] {2, 2, 0, 0});
            Targets tb = Targets.of(m.create(new long[] {2, 2, 0, -1}, new Shape(1, 1, 4)));
            e.add(pa, ta);
            e.add(pb, tb);
            Metrics r = e.result();
            // confusion (label, predicted): (0,0) 2, (0,1) 1, (1,1) 1, (2,2) 2; IoU 2/3, 1/2, 1.
            assertEquals((2.0 / 3 + 0.5 + 1) / 3, r.get("miou").getAsDouble(), 1e-15);
            assertEquals(5.0 / 6, r.get("pixel-accuracy").getAsDouble(), 1e-15);
            // The mean of the two batches' own mIoUs (0.5 and 1) is not the split's.
            double batchMean = (t.score(pa, ta).getDouble() + t.score(pb, tb).getDouble()) / 2;
            assertEquals(0.75, batchMean, 1e-15);
            // The loss is the split-wide mean per counted pixel: that of one batch holding both.
            NDArray both = pa.concat(pb, 0);
            Targets bothTargets = Targets.of(ta.values().concat(tb.values(), 0));
            assertEquals(t.loss(both, bothTargets).getDouble(), r.get("loss").getAsDouble(), 1e-12);
            assertEquals(Direction.HIGHER_IS_BETTER, r.direction("miou").orElseThrow());
            assertEquals(Direction.HIGHER_IS_BETTER, r.direction("pixel-accuracy").orElseThrow());
            assertEquals(Direction.LOWER_IS_BETTER, r.direction("loss").orElseThrow());
            assertEquals("miou", t.metric().name());
        }
    }

    @Test
    void aSegmentationMaskLeavesPixelsOutLikeTheIgnoreLabel() {
        SegmentationTask t = new SegmentationTask("semantic", 3, 1, 4);
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray p = logits(m, 3, new long[] {0, 1, 2, 2});
            NDArray labels = m.create(new long[] {0, 1, 1, -1}, new Shape(1, 1, 4));
            TaskEvaluator e = t.newEvaluator();
            // The mask also drops pixel 2 (label 1 predicted 2).
            e.add(p, new Targets(labels, m.create(new double[] {1, 1, 0, 0}, new Shape(1, 1, 4))));
            Metrics r = e.result();
            assertEquals(1.0, r.get("miou").getAsDouble(), 1e-15);
            assertEquals(1.0, r.get("pixel-accuracy").getAsDouble(), 1e-15);
        }
    }

    @Test
    void depthErrorsWeighEveryValidPixelOfTheSplitAlike() {
        DepthTask t = new DepthTask("depth", 1, 3);
        try (NDManager m = kit.manager().newSubManager()) {
            TaskEvaluator e = t.newEvaluator();
            // Batch A: (1 vs 2), (2 vs 2), (3 vs 0: invalid); batch B: (9 vs 3), (1 vs 4), (5 vs 0).
            NDArray ta = m.create(new double[] {2, 2, 0}, new Shape(1, 1, 1, 3));
            NDArray tb = m.create(new double[] {3, 4, 0}, new Shape(1, 1, 1, 3));
            e.add(m.create(new double[] {1, 2, 3}, new Shape(1, 1, 1, 3)), new Targets(ta, ta.neq(0).toType(DataType.FLOAT64, false)));
            e.add(m.create(new double[] {9, 1, 5}, new Shape(1, 1, 1, 3)), new Targets(tb, tb.neq(0).toType(DataType.FLOAT64, false)));
            Metrics r = e.result();
            assertEquals((1 + 0 + 6 + 3) / 4.0, r.get("abs-error").getAsDouble(), 1e-15);
            assertEquals((0.5 + 0 + 2 + 0.75) / 4, r.get("rel-error").getAsDouble(), 1e-15);
            assertEquals(r.get("abs-error").getAsDouble(), r.get("loss").getAsDouble(), 1e-15);
            assertEquals(Direction.LOWER_IS_BETTER, r.direction("rel-error").orElseThrow());
            assertEquals("abs-error", t.metric().name());
        }
        // Uneven valid counts: the references' mean of batch means (0.5 and 4.5: 2.5) is the same
        // here only because both batches have two valid pixels; one valid pixel in B differs.
        try (NDManager m = kit.manager().newSubManager()) {
            TaskEvaluator e = t.newEvaluator();
            NDArray ta = m.create(new double[] {2, 2, 2}, new Shape(1, 1, 1, 3));
            NDArray tb = m.create(new double[] {4, 0, 0}, new Shape(1, 1, 1, 3));
            e.add(m.create(new double[] {1, 2, 3}, new Shape(1, 1, 1, 3)), new Targets(ta, ta.neq(0).toType(DataType.FLOAT64, false)));
            e.add(m.create(new double[] {8, 0, 0}, new Shape(1, 1, 1, 3)), new Targets(tb, tb.neq(0).toType(DataType.FLOAT64, false)));
            double split = (1 + 0 + 1 + 4) / 4.0;
            assertEquals(split, e.result().get("abs-error").getAsDouble(), 1e-15);
            assertNotEquals((2.0 / 3 + 4) / 2, split);
        }
    }

    /** Predictions at the given angles (degrees) from the target (0, 0, 1), [1, 3, 1, W]. */
    static NDArray atAngles(NDManager m, double... degrees) {
        int w = degrees.length;
        double[] v = new double[3 * w];
        for (int x = 0; x < w; x++) {
            v[x] = StrictMath.sin(Math.toRadians(degrees[x]));
            v[2 * w + x] = StrictMath.cos(Math.toRadians(degrees[x]));
        }
        return m.create(v, new Shape(1, 3, 1, w));
    }

    /** Targets (0, 0, 1) at every pixel but those listed as invalid (0, 0, 0). */
    static Targets up(NDManager m, int w, int... invalid) {
        double[] v = new double[3 * w];
        double[] mask = new double[w];
        Arrays.fill(mask, 1);
        for (int x = 0; x < w; x++) {
            v[2 * w + x] = 1;
        }
        for (int x : invalid) {
            v[2 * w + x] = 0;
            mask[x] = 0;
        }
        return new Targets(m.create(v, new Shape(1, 3, 1, w)), m.create(mask, new Shape(1, 1, 1, w)));
    }

    @Test
    void normalAnglesHaveSplitWideMeanMedianAndStrictFractions() {
        NormalTask t = new NormalTask("normal", 1, 4);
        try (NDManager m = kit.manager().newSubManager()) {
            TaskEvaluator e = t.newEvaluator();
            // Valid angles over three batches: 0, 10, 60 | 25, 90 | 50; the invalid pixel says 120.
            e.add(atAngles(m, 0, 10, 120, 60), up(m, 4, 2));
            e.add(atAngles(m, 25, 90), up(m, 2));
            e.add(atAngles(m, 50), up(m, 1));
            Metrics r = e.result();
            assertEquals((0 + 10 + 60 + 25 + 90 + 50) / 6.0, r.get("angle-mean").getAsDouble(), 1e-9);
            // Both middle angles lie on bin edges, where the bound is met with equality.
            assertEquals((25 + 50) / 2.0, r.get("angle-median").getAsDouble(), AngleErrors.BIN_WIDTH / 2 + 1e-9);
            assertEquals(2 / 6.0, r.get("within-11.25").getAsDouble(), 1e-15);
            assertEquals(2 / 6.0, r.get("within-22.5").getAsDouble(), 1e-15);
            assertEquals(3 / 6.0, r.get("within-30").getAsDouble(), 1e-15);
            double cosines = 1 + StrictMath.cos(Math.toRadians(10)) + StrictMath.cos(Math.toRadians(60))
                    + StrictMath.cos(Math.toRadians(25)) + 0 + StrictMath.cos(Math.toRadians(50));
            assertEquals(1 - cosines / 6, r.get("loss").getAsDouble(), 1e-12);
            assertEquals(Direction.LOWER_IS_BETTER, r.direction("angle-median").orElseThrow());
            assertEquals(Direction.HIGHER_IS_BETTER, r.direction("within-30").orElseThrow());
            assertEquals("angle-mean", t.metric().name());
        }
    }

    @Test
    void theHistogramMedianIsWithinHalfABinOfTheExactOne() {
        Random r = new Random(7);
        for (int n : new int[] {1, 2, 9999, 10000}) {
            double[] a = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = r.nextDouble() * (i % 3 == 0 ? 180 : 40);
            }
            AngleErrors e = new AngleErrors(11.25, 22.5, 30);
            e.add(Arrays.copyOfRange(a, 0, n / 2));
            e.add(Arrays.copyOfRange(a, n / 2, n));
            double[] sorted = a.clone();
            Arrays.sort(sorted);
            double exact = (sorted[(n - 1) / 2] + sorted[n / 2]) / 2;
            assertEquals(exact, e.median(), AngleErrors.BIN_WIDTH / 2 + 1e-12, "n = " + n);
            long below = Arrays.stream(a).filter(x -> x < 22.5).count();
            assertEquals((double) below / n, e.fractionBelow(22.5), 0, "n = " + n);
            assertEquals(Arrays.stream(a).average().orElseThrow(), e.mean(), 1e-12);
        }
        assertTrue(Double.isNaN(new AngleErrors(30).median()), "nothing added: NaN");
    }

    @Test
    void binaryF1AndAccuracyComeFromTheSplitsCounts() {
        BinaryTask t = new BinaryTask("Smiling");
        try (NDManager m = kit.manager().newSubManager()) {
            TaskEvaluator e = t.newEvaluator();
            // Decisions z > 0 (sigmoid > 0.5; z = 0 is negative): T F F | T F (T, masked out).
            e.add(m.create(new double[] {2, -1, 0}, new Shape(3, 1)), Targets.of(m.create(new double[] {1, 1, 0}, new Shape(3, 1))));
            e.add(m.create(new double[] {3, -2, 0.5}, new Shape(3, 1)), new Targets(m.create(new double[] {0, 0, 1}, new Shape(3, 1)),
                    m.create(new double[] {1, 1, 0}, new Shape(3, 1))));
            Metrics r = e.result();
            // TP 1, FN 1, FP 1, TN 2.
            assertEquals(2.0 / 4, r.get("f1").getAsDouble(), 1e-15);
            assertEquals(3.0 / 5, r.get("accuracy").getAsDouble(), 1e-15);
            assertEquals(Direction.HIGHER_IS_BETTER, r.direction("f1").orElseThrow());
            assertEquals("f1", t.metric().name());
        }
    }

    @Test
    void qm9MaeIsInOriginalUnits() {
        StandardisedRegressionTask t = new StandardisedRegressionTask("homo", 2, 1000, "meV");
        try (NDManager m = kit.manager().newSubManager()) {
            TaskEvaluator e = t.newEvaluator();
            e.add(m.create(new double[] {0.5}, new Shape(1, 1)), Targets.of(m.create(new double[] {0}, new Shape(1, 1))));
            e.add(m.create(new double[] {-1, 0}, new Shape(2, 1)), Targets.of(m.create(new double[] {0, 0.25}, new Shape(2, 1))));
            Metrics r = e.result();
            assertEquals((0.5 + 1 + 0.25) / 3 * 2 * 1000, r.get("mae").getAsDouble(), 1e-9);
            assertEquals((0.25 + 1 + 0.0625) / 3, r.get("loss").getAsDouble(), 1e-15);
            assertEquals(Direction.LOWER_IS_BETTER, r.direction("mae").orElseThrow());
            assertEquals(0.5 * 2000, t.score(m.create(new double[] {0.5}, new Shape(1, 1)),
                    Targets.of(m.create(new double[] {0}, new Shape(1, 1)))).getDouble(), 1e-9);
        }
    }

    /** Each metric a task's evaluator reports. */
    static Set<String> reported(Task t, NDArray prediction, Targets targets) {
        TaskEvaluator e = t.newEvaluator();
        e.add(prediction, targets);
        return e.result().asMap().keySet();
    }

    @Test
    void theShippedBaselinesNameMetricsTheTasksReport() {
        try (NDManager m = kit.manager().newSubManager()) {
            Set<String> seg = reported(new SegmentationTask("semantic", 3, 1, 2), logits(m, 3, new long[] {0, 1}),
                    Targets.of(m.create(new long[] {0, 1}, new Shape(1, 1, 2))));
            Set<String> depth = reported(new DepthTask("depth", 1, 1), m.ones(new Shape(1, 1, 1, 1)),
                    Targets.of(m.ones(new Shape(1, 1, 1, 1))));
            Set<String> normal = reported(new NormalTask("normal", 1, 1), atAngles(m, 5), up(m, 1));
            for (String file : List.of("nyuv2", "cityscapes-label_7")) {
                SingleTaskBaselines b = BaselineFile.read(file);
                assertTrue(b.source().contains("github.com/Cranial-XIX/FAMO"), b.source());
                for (String key : b.values().keySet()) {
                    String task = SingleTaskBaselines.task(key);
                    String metric = key.substring(task.length() + 1);
                    Set<String> of = task.equals("semantic") ? seg : task.equals("depth") ? depth : normal;
                    assertTrue(of.contains(metric), file + ": " + key + " is not reported; the task reports " + of);
                }
            }
            assertEquals(9, BaselineFile.read("nyuv2").values().size());
            assertEquals(4, BaselineFile.read("cityscapes-label_7").values().size());
        }
        SingleTaskBaselines qm9 = BaselineFile.read("qm9");
        List<String> papers = List.of(0, 1, 2, 3, 5, 6, 12, 13, 14, 15, 11).stream().map(Qm9.NAMES::get).toList();
        assertEquals(papers.stream().map(n -> n + "/mae").toList(), List.copyOf(qm9.values().keySet()));
        SingleTaskBaselines celeba = BaselineFile.read("celeba");
        assertEquals(40, celeba.values().size());
        assertTrue(celeba.source().contains("issues/2"), celeba.source());
        assertTrue(celeba.values().keySet().stream().allMatch(k -> k.endsWith("/f1")));
        assertEquals(0.97034, celeba.values().get("Male/f1"));
    }

    @Test
    void nyuv2OffersItsBaselinesUnlessToldNot(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        java.nio.file.Path root = NyuV2Test.fixture(dir.resolve("nyu"), "<f4");
        NyuV2 on = NyuV2Test.create(kit, root, "");
        assertEquals(9, on.singleTaskBaselines().orElseThrow().values().size());
        NyuV2 off = NyuV2Test.create(kit, root, "stl-baselines = none");
        assertFalse(off.singleTaskBaselines().isPresent());
    }
}
