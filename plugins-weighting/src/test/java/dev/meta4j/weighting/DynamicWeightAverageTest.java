package dev.meta4j.weighting;

import static dev.meta4j.weighting.GoldenTolerance.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DWA by hand: w_k = K exp(r_k / T) / sum_i exp(r_i / T) with r_k the ratio of the last two
 * epoch-mean losses; 1 in the first two epochs. And {@code form = reference-code}, the FAMO /
 * Nash-MTL repositories' sliding windows, by hand and against {@code weighting_dwa_golden.py}.
 */
class DynamicWeightAverageTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 2);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    @Test
    void weightsFromTheRatioOfTheLastTwoEpochMeans() {
        WeightingMethod dwa = LossStepHarness.create(kit, "dwa", "");
        // epoch 0: means (2, 4); epoch 1: means (1, 4); so r = (0.5, 1) in epoch 2
        assertClose(new double[] {1, 1}, LossStepHarness.step(kit, dwa, new double[] {1, 4}, 0, 0).weights(), "epoch 0");
        assertClose(new double[] {1, 1}, LossStepHarness.step(kit, dwa, new double[] {3, 4}, 1, 0).weights(), "epoch 0");
        assertClose(new double[] {1, 1}, LossStepHarness.step(kit, dwa, new double[] {1, 4}, 2, 1).weights(), "epoch 1");
        double a = Math.exp(0.5 / 2);
        double b = Math.exp(1.0 / 2);
        double[] expected = {2 * a / (a + b), 2 * b / (a + b)};
        LossStepHarness.Outcome out = LossStepHarness.step(kit, dwa, new double[] {0.7, 3.9}, 3, 2);
        assertClose(expected, out.weights(), "epoch 2");
        assertClose(expected, out.gradLosses(), "gradient = weights");
        assertClose(expected[0] * 0.7 + expected[1] * 3.9, out.objective(), "sum_k w_k l_k");
        // within the epoch the weights do not move, whatever the step's losses
        assertClose(expected, LossStepHarness.step(kit, dwa, new double[] {100, 0.001}, 4, 2).weights(), "still epoch 2");
    }

    @Test
    void equalRatiosGiveWeightOne() {
        WeightingMethod dwa = LossStepHarness.create(kit, "dwa", "temperature = 0.5");
        LossStepHarness.step(kit, dwa, new double[] {2, 4, 8}, 0, 0);
        LossStepHarness.step(kit, dwa, new double[] {1, 2, 4}, 1, 1);
        assertClose(new double[] {1, 1, 1}, LossStepHarness.step(kit, dwa, new double[] {1, 1, 1}, 2, 2).weights(), "r equal");
    }

    @Test
    void epochsWithoutStepsAreSkipped() {
        WeightingMethod dwa = LossStepHarness.create(kit, "dwa", "");
        LossStepHarness.step(kit, dwa, new double[] {1, 1}, 0, 0);
        LossStepHarness.step(kit, dwa, new double[] {1, 2}, 1, 3); // epochs 1 and 2 had no steps
        double a = Math.exp(1.0 / 2);
        double b = Math.exp(2.0 / 2);
        assertClose(new double[] {2 * a / (a + b), 2 * b / (a + b)},
                LossStepHarness.step(kit, dwa, new double[] {1, 1}, 2, 7).weights(), "the two most recent epochs with steps");
    }

    @Test
    void zeroEpochMeansDoNotGiveNaN() {
        WeightingMethod stays = LossStepHarness.create(kit, "dwa", "");
        LossStepHarness.step(kit, stays, new double[] {0, 1}, 0, 0);
        LossStepHarness.step(kit, stays, new double[] {0, 1}, 1, 1);
        assertClose(new double[] {1, 1}, LossStepHarness.step(kit, stays, new double[] {0, 1}, 2, 2).weights(),
                "0 then 0: ratio 1");
        WeightingMethod rises = LossStepHarness.create(kit, "dwa", "");
        LossStepHarness.step(kit, rises, new double[] {0, 1}, 0, 0);
        LossStepHarness.step(kit, rises, new double[] {0.5, 1}, 1, 1);
        assertClose(new double[] {2, 0}, LossStepHarness.step(kit, rises, new double[] {0, 1}, 2, 2).weights(),
                "0 then positive: ratio +inf, all of K on that task");
    }

    @Test
    void epochsGoingBackAreRejected() {
        WeightingMethod dwa = LossStepHarness.create(kit, "dwa", "");
        LossStepHarness.step(kit, dwa, new double[] {1, 1}, 0, 3);
        assertThrows(IllegalStateException.class, () -> LossStepHarness.step(kit, dwa, new double[] {1, 1}, 1, 2));
    }

    @Test
    void stateRoundTripsMidEpoch() {
        double[][] losses = {{1, 2, 3}, {0.9, 2.1, 2.5}, {0.8, 1.9, 2.0}, {0.7, 1.95, 1.8}, {0.6, 1.8, 1.7},
            {0.5, 1.7, 1.1}, {0.45, 1.6, 1.0}, {0.4, 1.65, 0.9}, {0.35, 1.5, 0.8}};
        long[] epochs = {0, 0, 1, 1, 1, 2, 2, 3, 3};
        WeightingMethod a = LossStepHarness.create(kit, "dwa", "");
        int cut = 6; // in the middle of epoch 2, with two epoch means and running sums
        for (int t = 0; t < cut; t++) {
            LossStepHarness.step(kit, a, losses[t], t, epochs[t]);
        }
        StateDict state = new StateDict(kit.manager());
        a.saveState(state.scope("weighting"));
        WeightingMethod b = LossStepHarness.create(kit, "dwa", "");
        b.loadState(state.scope("weighting"));
        for (int t = cut; t < losses.length; t++) {
            assertArrayEquals(LossStepHarness.step(kit, a, losses[t], t, epochs[t]).weights(),
                    LossStepHarness.step(kit, b, losses[t], t, epochs[t]).weights(), 0, "step " + t);
        }
    }
    // ------------------------------------------------------------------ form = reference-code

    private static WeightingMethod referenceCode(int window, double temperature) {
        return LossStepHarness.create(kit, "dwa", "form = reference-code, window = " + window + ", temperature = " + temperature);
    }

    /**
     * Window 3, two tasks: the buffer of 6 rows starts as ones, the weights change from the fifth
     * step on (more than W + 1 calls), the current step's losses are in the newest window, and
     * the ones are still in the oldest window's mean then.
     */
    @Test
    void referenceCodeWeighsByTheSlidingWindowsPaddedWithOnes() {
        WeightingMethod dwa = referenceCode(3, 2);
        double[][] l = {{2, 4}, {1, 4}, {0.5, 3}, {0.5, 2}, {0.25, 2}, {0.25, 1}};
        for (int t = 0; t < 4; t++) {
            LossStepHarness.Outcome out = LossStepHarness.step(kit, dwa, l[t], t, 0);
            assertClose(new double[] {0.5, 0.5}, out.weights(), "step " + t + ": w = 1, objective the mean");
            assertClose((l[t][0] + l[t][1]) / 2, out.objective(), "step " + t);
        }
        // step 4: rows [1, l0, l1 | l2, l3, l4]
        double[] older = {(1 + 2 + 1) / 3.0, (1 + 4 + 4) / 3.0};
        double[] newer = {(0.5 + 0.5 + 0.25) / 3, (3 + 2 + 2) / 3.0};
        double a = StrictMath.exp(newer[0] / older[0] / 2);
        double b = StrictMath.exp(newer[1] / older[1] / 2);
        double[] w = {2 * a / (a + b), 2 * b / (a + b)};
        LossStepHarness.Outcome out = LossStepHarness.step(kit, dwa, l[4], 4, 0);
        assertClose(new double[] {w[0] / 2, w[1] / 2}, out.weights(), "step 4: w / K");
        assertClose(new double[] {w[0] / 2, w[1] / 2}, out.gradLosses(), "gradient = w / K");
        assertClose((w[0] * l[4][0] + w[1] * l[4][1]) / 2, out.objective(), "(1/K) sum_k w_k l_k");
        // step 5: rows [l0, l1, l2 | l3, l4, l5], no ones left
        older = new double[] {(2 + 1 + 0.5) / 3, (4 + 4 + 3) / 3.0};
        newer = new double[] {(0.5 + 0.25 + 0.25) / 3, (2 + 2 + 1) / 3.0};
        a = StrictMath.exp(newer[0] / older[0] / 2);
        b = StrictMath.exp(newer[1] / older[1] / 2);
        assertClose(new double[] {a / (a + b), b / (a + b)}, LossStepHarness.step(kit, dwa, l[5], 5, 7).weights(),
                "step 5, whatever the epoch");
    }

    static java.util.stream.Stream<JsonObject> goldenCases() {
        try (InputStream in = DynamicWeightAverageTest.class.getResourceAsStream("/golden/dwa-reference-code.json")) {
            JsonObject root = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
            java.util.List<JsonObject> out = new java.util.ArrayList<>();
            for (JsonElement e : root.getAsJsonArray("cases")) {
                out.add(e.getAsJsonObject());
            }
            return out.stream();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The repositories' formula computed independently in numpy, step after step. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("goldenCases")
    void referenceCodeMatchesTheRepositoriesFormula(JsonObject c) {
        WeightingMethod dwa = referenceCode(c.get("window").getAsInt(), c.get("temperature").getAsDouble());
        int t = 0;
        for (JsonElement e : c.getAsJsonArray("steps")) {
            JsonObject s = e.getAsJsonObject();
            double[] losses = Golden.vector(s.getAsJsonArray("losses"));
            LossStepHarness.Outcome out = LossStepHarness.step(kit, dwa, losses, t, t / 10);
            String at = c.get("name").getAsString() + " step " + t;
            double[] w = Golden.vector(s.getAsJsonArray("weights"));
            double[] effective = Golden.vector(s.getAsJsonArray("grad_losses"));
            assertClose(effective, out.weights(), 1e-12, at + " logged weights");
            assertClose(effective, out.gradLosses(), 1e-12, at + " gradient");
            assertClose(s.get("objective").getAsDouble(), out.objective(), 1e-12, at + " objective");
            // the repositories' float32 buffer changes the weights by less than 1e-6
            double[] w32 = Golden.vector(s.getAsJsonArray("weights_float32_buffer"));
            for (int i = 0; i < w.length; i++) {
                assertClose(w32[i] / w.length, out.weights()[i], 1e-6, at + " vs float32 storage");
            }
            t++;
        }
    }

    @Test
    void referenceCodeStateRoundTripsMidWindow() {
        WeightingMethod a = referenceCode(4, 2);
        double[][] l = new double[20][];
        for (int t = 0; t < l.length; t++) {
            l[t] = new double[] {1.0 / (1 + t), 2.0 - 0.05 * t, 0.5 + 0.1 * (t % 3)};
        }
        int cut = 7;
        for (int t = 0; t < cut; t++) {
            LossStepHarness.step(kit, a, l[t], t, 0);
        }
        StateDict state = new StateDict(kit.manager());
        a.saveState(state.scope("weighting"));
        WeightingMethod b = referenceCode(4, 2);
        b.loadState(state.scope("weighting"));
        for (int t = cut; t < l.length; t++) {
            assertArrayEquals(LossStepHarness.step(kit, a, l[t], t, 0).weights(),
                    LossStepHarness.step(kit, b, l[t], t, 0).weights(), 0, "step " + t);
        }
        WeightingMethod wrongWindow = referenceCode(5, 2);
        assertThrows(IllegalStateException.class, () -> wrongWindow.loadState(state.scope("weighting")));
    }
}
