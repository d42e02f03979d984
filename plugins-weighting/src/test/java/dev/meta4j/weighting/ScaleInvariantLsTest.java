package dev.meta4j.weighting;

import static dev.meta4j.weighting.GoldenTolerance.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.testing.PluginTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SI-LS in closed form: d/dl_i sum_j log(l_j + eps) = 1 / (l_i + eps); scaling a loss shifts the objective. */
class ScaleInvariantLsTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 1);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    @Test
    void gradientIsOneOverTheLoss() {
        double[] l = {0.25, 2.0, 8.0};
        LossStepHarness.Outcome exact = LossStepHarness.step(kit, LossStepHarness.create(kit, "scaleinvls", "eps = 0"), l, 0, 0);
        assertClose(new double[] {4, 0.5, 0.125}, exact.gradLosses(), "1 / l");
        assertClose(Math.log(0.25 * 2 * 8), exact.objective(), "sum log l");
        assertClose(exact.gradLosses(), exact.weights(), "logged weights are the effective weights");

        LossStepHarness.Outcome guarded = LossStepHarness.step(kit, LossStepHarness.create(kit, "scaleinvls", ""), l, 0, 0);
        for (int i = 0; i < l.length; i++) {
            assertClose(1 / (l[i] + 1e-8), guarded.gradLosses()[i], "1 / (l + eps)");
        }
    }

    @Test
    void scalingALossShiftsTheObjectiveAndScalesItsGradientInversely() {
        WeightingMethod si = LossStepHarness.create(kit, "scaleinvls", "eps = 0, weights = [1, 2]");
        LossStepHarness.Outcome a = LossStepHarness.step(kit, si, new double[] {0.4, 3.0}, 0, 0);
        LossStepHarness.Outcome b = LossStepHarness.step(kit, si, new double[] {0.4 * 1000, 3.0}, 1, 0);
        assertClose(a.objective() + Math.log(1000), b.objective(), "log(c l) = log c + log l");
        assertClose(a.gradLosses()[0] / 1000, b.gradLosses()[0], "the gradient scales by 1 / c");
        assertClose(2 / 3.0, a.gradLosses()[1], "w / l");
    }

    @Test
    void aZeroLossGivesAFiniteGradientOfOneOverEps() {
        LossStepHarness.Outcome out = LossStepHarness.step(kit, LossStepHarness.create(kit, "scaleinvls", ""), new double[] {0, 1}, 0, 0);
        assertClose(1e8, out.gradLosses()[0], "1 / eps");
        assertClose(Math.log(1e-8) + Math.log(1 + 1e-8), out.objective(), "log eps + log 1");
    }

    @Test
    void negativeEpsIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ScaleInvariantLs(null, -1));
    }
}
