package dev.meta4j.weighting;

import static dev.meta4j.weighting.GoldenTolerance.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.testing.PluginTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DWA by hand: w_k = K exp(r_k / T) / sum_i exp(r_i / T) with r_k the ratio of the last two
 * epoch-mean losses; 1 in the first two epochs.
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
}
