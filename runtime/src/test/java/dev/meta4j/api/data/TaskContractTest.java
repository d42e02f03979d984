package dev.meta4j.api.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built-in tasks against sums written out by hand in float64: masked losses, scores, and
 * evaluators that accumulate over uneven batches exactly as over the whole split at once.
 */
class TaskContractTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 0);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static double[][] logits(Random r, int n, int c) {
        double[][] x = new double[n][c];
        for (double[] row : x) {
            for (int j = 0; j < c; j++) {
                row[j] = r.nextGaussian() * 2;
            }
        }
        return x;
    }

    private static double crossEntropy(double[] logits, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            max = Math.max(max, v);
        }
        double z = 0;
        for (double v : logits) {
            z += Math.exp(v - max);
        }
        return -(logits[label] - max - Math.log(z));
    }

    private static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void classificationLossAndScoreWithAndWithoutMask() {
        Random r = new Random(1);
        int n = 9;
        int c = 4;
        double[][] x = logits(r, n, c);
        long[] y = new long[n];
        double[] mask = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(c);
            mask[i] = i % 3 == 0 ? 0 : 1;
        }
        double all = 0;
        double kept = 0;
        double hitsAll = 0;
        double hitsKept = 0;
        for (int i = 0; i < n; i++) {
            double ce = crossEntropy(x[i], (int) y[i]);
            double hit = argMax(x[i]) == y[i] ? 1 : 0;
            all += ce / n;
            hitsAll += hit / n;
            kept += mask[i] * ce / 6;
            hitsKept += mask[i] * hit / 6;
        }
        ClassificationTask task = new ClassificationTask("digit", c);
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray pred = m.create(x);
            NDArray labels = m.create(y);
            assertEquals(all, task.loss(pred, Targets.of(labels)).getDouble(), 1e-12);
            assertEquals(hitsAll, task.score(pred, Targets.of(labels)).getDouble(), 1e-12);
            Targets masked = new Targets(labels, m.create(mask));
            assertEquals(kept, task.loss(pred, masked).getDouble(), 1e-12);
            assertEquals(hitsKept, task.score(pred, masked).getDouble(), 1e-12);
        }
        assertEquals("accuracy", task.metric().name());
        assertEquals(Direction.HIGHER_IS_BETTER, task.metric().direction());
        assertEquals(List.of(4L), List.of(task.outputShape()[0]));
    }

    @Test
    void lossesKeepLeadingTaskDimensions() {
        Random r = new Random(2);
        double[][][] pred = new double[3][5][2];
        double[][][] target = new double[3][5][2];
        double[] expected = new double[3];
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 2; j++) {
                    pred[t][i][j] = r.nextGaussian();
                    target[t][i][j] = r.nextGaussian();
                    double d = pred[t][i][j] - target[t][i][j];
                    expected[t] += d * d / 10;
                }
            }
        }
        RegressionTask task = new RegressionTask("y", 2);
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray p = m.create(pred[0]).expandDims(0).concat(m.create(pred[1]).expandDims(0)).concat(m.create(pred[2]).expandDims(0));
            NDArray y = m.create(target[0]).expandDims(0).concat(m.create(target[1]).expandDims(0)).concat(m.create(target[2]).expandDims(0));
            NDArray l = task.loss(p, Targets.of(y));
            assertEquals(new Shape(3), l.getShape(), "one loss per episode");
            double[] got = l.toDoubleArray();
            for (int t = 0; t < 3; t++) {
                assertEquals(expected[t], got[t], 1e-12);
            }
        }
        assertEquals(Direction.LOWER_IS_BETTER, task.metric().direction());
    }

    @Test
    void evaluatorsAccumulateOverUnevenBatchesAsOverTheWholeSplit() {
        Random r = new Random(3);
        int n = 23;
        double[][] x = logits(r, n, 3);
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
        }
        ClassificationTask task = new ClassificationTask("c", 3);
        try (NDManager m = kit.manager().newSubManager()) {
            TaskEvaluator whole = task.newEvaluator();
            whole.add(m.create(x), Targets.of(m.create(y)));
            TaskEvaluator parts = task.newEvaluator();
            int[] cuts = {0, 7, 8, 20, 23};
            for (int k = 0; k + 1 < cuts.length; k++) {
                String range = cuts[k] + ":" + cuts[k + 1];
                parts.add(m.create(x).get(range), Targets.of(m.create(y).get(range)));
            }
            Metrics a = whole.result();
            Metrics b = parts.result();
            assertEquals(a.get("accuracy").orElseThrow(), b.get("accuracy").orElseThrow(), 1e-12);
            assertEquals(a.get("loss").orElseThrow(), b.get("loss").orElseThrow(), 1e-12);
            double hits = 0;
            for (int i = 0; i < n; i++) {
                hits += argMax(x[i]) == y[i] ? 1 : 0;
            }
            assertEquals(hits / n, b.get("accuracy").orElseThrow(), 1e-12, "exact count over the split");
            assertEquals(Direction.HIGHER_IS_BETTER, b.direction("accuracy").orElseThrow());
            assertEquals(Direction.LOWER_IS_BETTER, b.direction("loss").orElseThrow());
        }
    }

    @Test
    void directionsSurvivePrefixesAndMerges() {
        Metrics m = Metrics.builder().put("accuracy", 0.5, Direction.HIGHER_IS_BETTER).put("steps", 3).build();
        Metrics p = m.prefixed("left/");
        assertEquals(Direction.HIGHER_IS_BETTER, p.direction("left/accuracy").orElseThrow());
        assertFalse(p.direction("left/steps").isPresent());
        Metrics merged = Metrics.builder().putAll(p).put("left/accuracy", 0.7).build();
        assertFalse(merged.direction("left/accuracy").isPresent(), "a value put without direction states none");
        assertEquals(Direction.LOWER_IS_BETTER, Direction.ofKey("lower"));
        assertThrows(IllegalArgumentException.class, () -> Direction.ofKey("up"));
    }

    @Test
    void specRejectsDuplicateAndUnusableNames() {
        String m = assertThrows(IllegalArgumentException.class, () -> new DataSpec(new long[] {1},
                List.of(new RegressionTask("a", 1), new RegressionTask("a", 2)))).getMessage();
        assertTrue(m.contains("'a'"), m);
        assertThrows(IllegalArgumentException.class, () -> new ClassificationTask("left/right", 2));
        assertThrows(IllegalArgumentException.class, () -> new ClassificationTask("one", 1));
        DataSpec spec = new DataSpec(new long[] {1}, List.of(new RegressionTask("a", 1), new RegressionTask("b", 1)));
        assertEquals(1, spec.indexOf("b"));
        m = assertThrows(IllegalArgumentException.class, () -> spec.indexOf("c")).getMessage();
        assertTrue(m.contains("[a, b]"), m);
    }
}
