package dev.meta4j.weighting;

import static dev.meta4j.weighting.GoldenTolerance.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FAMO by hand: equal weights at the start, the model's gradient weights c z_i / D_i, the logit
 * gradient J_softmax(w)^T delta, the first Adam step, PyTorch's Adam (the runtime's plugin) over
 * many steps, and exact resumption from saved state.
 */
class FamoTest {

    private static final double EPS = 1e-8;

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 9);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    @Test
    void firstStepGivesEqualWeights() {
        Famo famo = (Famo) LossStepHarness.create(kit, "famo", "");
        assertNull(famo.logits(), "the task count is learned from the first step");
        LossStepHarness.Outcome out = LossStepHarness.step(kit, famo, new double[] {0.3, 4.0, 1.1, 0.02}, 0, 0);
        assertClose(new double[] {0.25, 0.25, 0.25, 0.25}, out.weights(), "z = softmax(0)");
        assertArrayEquals(new double[4], famo.logits(), 0);
    }

    @Test
    void modelGradientWeightsAreCzOverD() {
        Famo famo = (Famo) LossStepHarness.create(kit, "famo", "");
        double[][] before = {{0.7, 2.3, 0.1}, {0.6, 2.2, 0.09}, {0.55, 2.2, 0.085}};
        double[][] after = {{0.6, 2.25, 0.095}, {0.58, 2.2, 0.08}, {0.5, 2.1, 0.08}};
        for (int t = 0; t < before.length; t++) {
            double[] z = softmax(famo.logits() == null ? new double[3] : famo.logits());
            LossStepHarness.Outcome out = LossStepHarness.step(kit, famo, before[t], t, 0);
            double sum = 0;
            double logs = 0;
            for (int i = 0; i < 3; i++) {
                sum += z[i] / (before[t][i] + EPS);
            }
            double c = 1 / sum;
            double[] expected = new double[3];
            for (int i = 0; i < 3; i++) {
                expected[i] = c * z[i] / (before[t][i] + EPS);
                logs += c * z[i] * Math.log(before[t][i] + EPS);
            }
            assertClose(expected, out.gradLosses(), "step " + t + ": c z_i / D_i");
            assertClose(1, Arrays.stream(out.gradLosses()).sum(), "the effective weights sum to 1");
            assertClose(logs, out.objective(), "step " + t + ": c sum_i z_i log D_i");
            assertClose(z, out.weights(), "step " + t + ": logged z");
            LossStepHarness.afterStep(kit, famo, after[t]);
        }
    }

    @Test
    void logitGradientIsTheSoftmaxJacobianTransposedTimesDelta() {
        Rng rng = new Rng(1);
        for (int trial = 0; trial < 5; trial++) {
            int k = 2 + trial;
            double[] w = new double[k];
            double[] delta = new double[k];
            for (int i = 0; i < k; i++) {
                w[i] = rng.nextGaussian();
                delta[i] = rng.nextGaussian();
            }
            double[] z = softmax(w);
            // J_ij = dz_i / dw_j = z_i (1[i = j] - z_j); the gradient is J^T delta
            double[] expected = new double[k];
            for (int j = 0; j < k; j++) {
                for (int i = 0; i < k; i++) {
                    expected[j] += (z[i] * ((i == j ? 1 : 0) - z[j])) * delta[i];
                }
            }
            double[] g = Famo.logitGradient(z, delta);
            assertClose(expected, g, 1e-12, "J^T delta, K = " + k);
            // and the directional derivative of delta . softmax(w) by central differences
            for (int j = 0; j < k; j++) {
                double h = 1e-6;
                double[] up = w.clone();
                double[] down = w.clone();
                up[j] += h;
                down[j] -= h;
                double numeric = (dot(delta, softmax(up)) - dot(delta, softmax(down))) / (2 * h);
                assertEquals(numeric, g[j], 1e-8, "finite difference, K = " + k + ", j = " + j);
            }
        }
    }

    @Test
    void firstUpdateIsAnAdamStepOfSizeLrAlongTheSignOfTheLogitGradient() {
        Famo famo = (Famo) LossStepHarness.create(kit, "famo", "w-lr = 0.05");
        double[] l = {1.0, 1.0, 2.0};
        double[] l2 = {0.5, 0.99, 1.9}; // task 0 improved most, task 1 least
        LossStepHarness.step(kit, famo, l, 0, 0);
        LossStepHarness.afterStep(kit, famo, l2);
        double[] delta = new double[3];
        for (int i = 0; i < 3; i++) {
            delta[i] = Math.log(l[i] + EPS) - Math.log(l2[i] + EPS);
        }
        double[] g = Famo.logitGradient(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, delta);
        // Adam's first step from w = 0 (no decay yet): m^ = g, v^ = g^2, so w = -lr g / (|g| + eps)
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            expected[i] = -0.05 * g[i] / (Math.abs(g[i]) + 1e-8);
        }
        assertClose(expected, famo.logits(), 1e-12, "first logits");
        double[] z = LossStepHarness.step(kit, famo, l, 1, 0).weights();
        assertTrue(z[1] > z[2] && z[2] > z[0], "the task that improved least gains weight: " + Arrays.toString(z));
    }

    @Test
    void logitsFollowPyTorchsAdamAsTheRuntimeImplementsIt() {
        Famo famo = (Famo) LossStepHarness.create(kit, "famo", "gamma = 0.01, w-lr = 0.025");
        Optimizer adam = kit.create(PluginKind.OPTIMIZER, "adam", "lr = 0.025, weight-decay = 0.01", Optimizer.class);
        Rng rng = new Rng(2);
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray w = m.zeros(new ai.djl.ndarray.types.Shape(3), DataType.FLOAT64);
            Params logits = Params.builder().add("w", w).build();
            double[] l = {0.9, 2.0, 0.4};
            for (int t = 0; t < 40; t++) {
                double[] next = new double[3];
                for (int i = 0; i < 3; i++) {
                    next[i] = l[i] * (1 - 0.05 * rng.nextDouble());
                }
                double[] z = softmax(LossStepHarness.doubles(w));
                LossStepHarness.step(kit, famo, l, t, 0);
                LossStepHarness.afterStep(kit, famo, next);
                double[] delta = new double[3];
                for (int i = 0; i < 3; i++) {
                    delta[i] = Math.log(l[i] + EPS) - Math.log(next[i] + EPS);
                }
                adam.step(logits, new NDList(m.create(Famo.logitGradient(z, delta))), 0.025);
                // the runtime's fused kernel takes its rates as float32: agree to 1e-6 absolute,
                // 4e-5 of one step of size w-lr (a wrong formula is off by ~1e-3 and more)
                assertArrayEquals(LossStepHarness.doubles(w), famo.logits(), 1e-6, "step " + t);
                l = next;
            }
        }
    }

    @Test
    void stateRoundTripsExactly() {
        Rng rng = new Rng(3);
        double[][] before = new double[10][];
        double[][] after = new double[10][];
        double[] l = {0.7, 2.3, 0.05, 1.0, 3.3};
        for (int t = 0; t < 10; t++) {
            before[t] = l.clone();
            after[t] = new double[5];
            for (int i = 0; i < 5; i++) {
                after[t][i] = l[i] * (0.9 + 0.15 * rng.nextDouble());
            }
            l = after[t];
        }
        WeightingMethod a = LossStepHarness.create(kit, "famo", "");
        for (int t = 0; t < 5; t++) {
            LossStepHarness.step(kit, a, before[t], t, 0);
            LossStepHarness.afterStep(kit, a, after[t]);
        }
        StateDict state = new StateDict(kit.manager());
        a.saveState(state.scope("weighting"));
        WeightingMethod b = LossStepHarness.create(kit, "famo", "");
        b.loadState(state.scope("weighting"));
        assertArrayEquals(((Famo) a).logits(), ((Famo) b).logits(), 0);
        for (int t = 5; t < 10; t++) {
            LossStepHarness.Outcome x = LossStepHarness.step(kit, a, before[t], t, 0);
            LossStepHarness.Outcome y = LossStepHarness.step(kit, b, before[t], t, 0);
            assertArrayEquals(x.weights(), y.weights(), 0, "weights, step " + t);
            assertArrayEquals(x.gradLosses(), y.gradLosses(), 0, "gradient, step " + t);
            LossStepHarness.afterStep(kit, a, after[t]);
            LossStepHarness.afterStep(kit, b, after[t]);
            assertArrayEquals(((Famo) a).logits(), ((Famo) b).logits(), 0, "logits (Adam moments), step " + t);
        }
    }

    @Test
    void stateSavedBetweenCombineAndAfterStepKeepsThePendingLosses() {
        WeightingMethod a = LossStepHarness.create(kit, "famo", "");
        LossStepHarness.step(kit, a, new double[] {1, 2}, 0, 0);
        StateDict state = new StateDict(kit.manager());
        a.saveState(state.scope("weighting"));
        WeightingMethod b = LossStepHarness.create(kit, "famo", "");
        b.loadState(state.scope("weighting"));
        LossStepHarness.afterStep(kit, a, new double[] {0.5, 1.9});
        LossStepHarness.afterStep(kit, b, new double[] {0.5, 1.9});
        assertArrayEquals(((Famo) a).logits(), ((Famo) b).logits(), 0);
    }

    @Test
    void afterStepNeedsACombineFirst() {
        WeightingMethod famo = LossStepHarness.create(kit, "famo", "");
        assertThrows(IllegalStateException.class, () -> LossStepHarness.afterStep(kit, famo, new double[] {1, 2}));
        LossStepHarness.step(kit, famo, new double[] {1, 2}, 0, 0);
        LossStepHarness.afterStep(kit, famo, new double[] {1, 2});
        assertThrows(IllegalStateException.class, () -> LossStepHarness.afterStep(kit, famo, new double[] {1, 2}));
    }

    @Test
    void aLossBelowItsMinimumIsTakenAsAtIt() {
        WeightingMethod famo = LossStepHarness.create(kit, "famo", "min-losses = [0.5, 0]");
        LossStepHarness.Outcome out = LossStepHarness.step(kit, famo, new double[] {0.3, 1.0}, 0, 0);
        assertTrue(out.allFinite(), "no log of a negative number");
        // D = (eps, 1 + eps): c = 1 / (0.5 / eps + 0.5 / (1 + eps))
        double c = 1 / (0.5 / EPS + 0.5 / (1 + EPS));
        assertClose(new double[] {c * 0.5 / EPS, c * 0.5 / (1 + EPS)}, out.gradLosses(), "D_0 = eps, gradient kept");
        LossStepHarness.afterStep(kit, famo, new double[] {0.2, 0.9});
        assertTrue(Arrays.stream(((Famo) famo).logits()).allMatch(Double::isFinite));
        WeightingMethod wrong = LossStepHarness.create(kit, "famo", "min-losses = [0, 0, 0]");
        assertThrows(IllegalArgumentException.class, () -> LossStepHarness.step(kit, wrong, new double[] {1, 2}, 0, 0));
    }

    private static double[] softmax(double[] x) {
        double max = Arrays.stream(x).max().orElseThrow();
        double[] e = Arrays.stream(x).map(v -> Math.exp(v - max)).toArray();
        double s = Arrays.stream(e).sum();
        return Arrays.stream(e).map(v -> v / s).toArray();
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
