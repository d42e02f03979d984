package dev.meta4j.weighting;

import static dev.meta4j.weighting.GoldenTolerance.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * UW in closed form: the objective sum_i 0.5 (exp(-s_i) l_i + s_i) has d/dl_i = 0.5 exp(-s_i) and
 * d/ds_i = 0.5 (1 - exp(-s_i) l_i), zero at s_i = log l_i, where the model's optimizer takes it.
 */
class UncertaintyWeightingTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 4);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    @Test
    void logVariancesAreOneLearnableVectorCreatedOnce() {
        WeightingMethod uw = LossStepHarness.create(kit, "uw", "tasks = 3, init-log-variance = -0.5");
        Params p = uw.parameters();
        assertEquals(java.util.List.of(UncertaintyWeighting.PARAMETER), p.names());
        NDArray s = p.get(UncertaintyWeighting.PARAMETER);
        assertEquals(new Shape(3), s.getShape());
        assertTrue(s.hasGradient(), "trained by the optimizer");
        assertEquals(DataType.FLOAT64, s.getDataType(), "the experiment's data type");
        assertSame(s, uw.parameters().get(UncertaintyWeighting.PARAMETER), "the same array every time");
        assertArrayEquals(new double[] {-0.5, -0.5, -0.5}, LossStepHarness.doubles(s), 0);
        assertArrayEquals(new double[] {0, 0}, LossStepHarness.doubles(
                LossStepHarness.create(kit, "uw", "tasks = 2").parameters().get(UncertaintyWeighting.PARAMETER)), 0);
    }

    @Test
    void closedFormObjectiveAndGradients() {
        WeightingMethod uw = LossStepHarness.create(kit, "uw", "tasks = 3");
        double[] s = {0.3, -1.2, 2.0};
        double[] l = {0.8, 0.05, 7.5};
        LossStepHarness.setValues(kit, uw.parameters().get(UncertaintyWeighting.PARAMETER), s);
        LossStepHarness.Outcome out = LossStepHarness.step(kit, uw, l, 0, 0);
        double objective = 0;
        double[] gl = new double[3];
        double[] gs = new double[3];
        for (int i = 0; i < 3; i++) {
            objective += 0.5 * (Math.exp(-s[i]) * l[i] + s[i]);
            gl[i] = 0.5 * Math.exp(-s[i]);
            gs[i] = 0.5 * (1 - Math.exp(-s[i]) * l[i]);
        }
        assertClose(objective, out.objective(), "objective");
        assertClose(gl, out.gradLosses(), "d/dl");
        assertClose(gl, out.weights(), "logged weights 0.5 exp(-s)");
        assertClose(gs, out.gradParameters(), "d/ds");
    }

    @Test
    void stationaryWhereTheLogVarianceIsTheLogLoss() {
        WeightingMethod uw = LossStepHarness.create(kit, "uw", "tasks = 2");
        LossStepHarness.setValues(kit, uw.parameters().get(UncertaintyWeighting.PARAMETER),
                new double[] {Math.log(0.2), Math.log(5)});
        double[] gs = LossStepHarness.step(kit, uw, new double[] {0.2, 5}, 0, 0).gradParameters();
        assertEquals(0, gs[0], 1e-15);
        assertEquals(0, gs[1], 1e-15);
    }

    @Test
    void theModelsOptimizerLearnsTheLogLosses() {
        WeightingMethod uw = LossStepHarness.create(kit, "uw", "tasks = 3");
        Optimizer sgd = kit.create(PluginKind.OPTIMIZER, "sgd", "lr = 0.5", Optimizer.class);
        double[] l = {0.5, 2, 8};
        Params params = uw.parameters();
        for (int t = 0; t < 300; t++) {
            try (NDManager m = kit.manager().newSubManager()) {
                NDArray losses = m.create(l);
                NDList grads;
                try (Autograd.Scope rec = kit.autograd().record()) {
                    Combination.Objective o = (Combination.Objective) uw.combine(
                            TaskSignals.lossesOnly(losses, Golden.clock(t), m));
                    grads = kit.autograd().grad(o.objective(), params.arrays(), GraphMode.RELEASE);
                }
                sgd.step(params, grads, 0.5);
            }
        }
        double[] s = LossStepHarness.doubles(params.get(UncertaintyWeighting.PARAMETER));
        for (int i = 0; i < 3; i++) {
            assertEquals(Math.log(l[i]), s[i], 1e-6, "s_" + i + " -> log l_" + i);
        }
    }

    @Test
    void theTaskCountComesFromInitAndMustMatchAConfiguredOne() {
        WeightingMethod fromInit = LossStepHarness.create(kit, "uw", "");
        assertThrows(IllegalStateException.class, fromInit::parameters, "no parameters before init");
        fromInit.init(3);
        assertEquals(3, fromInit.parameters().get(UncertaintyWeighting.PARAMETER).getShape().get(0));

        WeightingMethod configured = LossStepHarness.create(kit, "uw", "tasks = 2");
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class, () -> configured.init(3));
        assertTrue(mismatch.getMessage().contains("uw.tasks"), mismatch.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> LossStepHarness.step(kit, configured, new double[] {1, 2, 3}, 0, 0));
    }

    @Test
    void stateRoundTripsTheLogVariances() {
        WeightingMethod a = LossStepHarness.create(kit, "uw", "tasks = 3");
        NDArray s = a.parameters().get(UncertaintyWeighting.PARAMETER);
        double[] values = {0.1, -0.7, 1.9};
        LossStepHarness.setValues(kit, s, values);
        StateDict state = new StateDict(kit.manager());
        a.saveState(state.scope("weighting"));
        LossStepHarness.setValues(kit, s, new double[] {5, 5, 5}); // saved a copy, not the live array
        a.loadState(state.scope("weighting"));
        assertArrayEquals(values, LossStepHarness.doubles(s), 0);
        assertTrue(s.hasGradient(), "still a trainable leaf");

        WeightingMethod b = LossStepHarness.create(kit, "uw", "tasks = 3");
        b.loadState(state.scope("weighting"));
        double[] l = {0.4, 1.3, 0.02};
        assertArrayEquals(LossStepHarness.step(kit, a, l, 0, 0).gradParameters(), LossStepHarness.step(kit, b, l, 0, 0).gradParameters(), 0);
    }
}
