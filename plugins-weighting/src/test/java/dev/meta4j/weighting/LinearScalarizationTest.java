package dev.meta4j.weighting;

import static dev.meta4j.weighting.GoldenTolerance.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.testing.PluginTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** LS in closed form: the objective is sum_i w_i l_i, so d objective / d l_i = w_i. */
class LinearScalarizationTest {

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
    void gradientWithRespectToEachLossIsItsWeight() {
        double[] w = {0.5, 2, 1, 3};
        double[] l = {0.3, 1.7, 0.02, 4.4};
        WeightingMethod ls = LossStepHarness.create(kit, "ls", "weights = [0.5, 2, 1, 3]");
        LossStepHarness.Outcome out = LossStepHarness.step(kit, ls, l, 0, 0);
        assertClose(0.5 * 0.3 + 2 * 1.7 + 0.02 + 3 * 4.4, out.objective(), "sum_i w_i l_i");
        assertClose(w, out.gradLosses(), "gradient = weights");
        assertClose(w, out.weights(), "logged weights");
    }

    @Test
    void defaultIsThePlainSum() {
        LossStepHarness.Outcome out = LossStepHarness.step(kit, LossStepHarness.create(kit, "ls", ""), new double[] {1, 2, 3}, 0, 0);
        assertClose(6, out.objective(), "sum");
        assertClose(new double[] {1, 1, 1}, out.gradLosses(), "gradient");
    }

    @Test
    void weightsOfAnotherLengthAreRejected() {
        WeightingMethod ls = LossStepHarness.create(kit, "ls", "weights = [1, 2]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LossStepHarness.step(kit, ls, new double[] {1, 2, 3}, 0, 0));
        assertTrue(e.getMessage().contains("ls.weights"), e.getMessage());
    }
}
