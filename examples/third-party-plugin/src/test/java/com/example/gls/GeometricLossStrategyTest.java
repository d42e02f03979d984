package com.example.gls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.testkit.FiniteDifferences;
import dev.meta4j.testkit.PluginChecks;
import dev.meta4j.testkit.PluginHandle;
import dev.meta4j.testkit.PluginHarness;
import org.junit.jupiter.api.Test;

/** GLS as meta4j creates it: its objective, its gradient against float64 finite differences, its logged weights. */
class GeometricLossStrategyTest {

    private static final double[] LOSSES = {0.37, 1.9, 0.052, 6.4};

    /** What one {@code combine} gave, read back as doubles. */
    private record Outcome(double objective, double[] gradient, double[] weights, DataType type) {}

    /** One step as the multitask algorithm runs it: recorded losses, {@code combine} inside a recording scope, then autograd. */
    private static Outcome step(PluginHandle<WeightingMethod> gls, double[] losses) {
        WeightingMethod method = gls.plugin();
        method.init(losses.length);
        assertEquals(Need.LOSSES, method.need(0));
        try (NDManager step = gls.newStepManager()) {
            NDArray l = Scalar.vector(step, losses, gls.dataType());
            l.setRequiresGradient(true);
            try (Autograd.Scope rec = gls.record()) {
                Combination c = method.combine(TaskSignals.lossesOnly(l, new TrainingClock(0, 1, 0), step));
                Combination.Objective o = assertInstanceOf(Combination.Objective.class, c);
                assertEquals(new Shape(), o.objective().getShape(), "a scalar objective");
                assertEquals(0, o.maxSharedGradientNorm(), "no clipping");
                assertFalse(o.taskWeights().hasGradient(), "logged weights are constants");
                NDList g = gls.autograd().grad(o.objective(), new NDList(l), GraphMode.RELEASE);
                return new Outcome(doubles(o.objective())[0], doubles(g.get(0)), doubles(o.taskWeights()),
                        o.objective().getDataType());
            }
        }
    }

    private static double[] doubles(NDArray a) {
        return a.stopGradient().toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static PluginHandle<WeightingMethod> gls(DataType type, double eps) {
        return PluginHarness.of(WeightingFactory.class, "gls").with("eps", eps).dataType(type).create();
    }

    @Test
    void isDiscoverableAndDescribed() {
        String describe = PluginChecks.assertDiscoverable(WeightingFactory.class, "gls");
        assertTrue(describe.contains("eps=1.0E-8"), describe);
        assertTrue(describe.contains("geometric mean of the shifted losses"), describe);
    }

    @Test
    void theDefaultsComeFromReferenceConf() {
        try (PluginHandle<WeightingMethod> gls = PluginHarness.of(WeightingFactory.class, "gls").create()) {
            assertEquals(1e-8, gls.config().getDouble("eps"));
        }
    }

    @Test
    void theObjectiveIsTheGeometricMeanOfTheLosses() {
        try (PluginHandle<WeightingMethod> gls = gls(DataType.FLOAT64, 0)) {
            assertEquals(4, step(gls, new double[] {1, 4, 16}).objective(), 1e-14);
            double product = 1;
            for (double l : LOSSES) {
                product *= l;
            }
            assertEquals(Math.pow(product, 1.0 / LOSSES.length), step(gls, LOSSES).objective(), 1e-14);
        }
    }

    @Test
    void theGradientMatchesFloat64FiniteDifferences() {
        try (PluginHandle<WeightingMethod> gls = gls(DataType.FLOAT64, 1e-8)) {
            double[] autograd = step(gls, LOSSES).gradient();
            double[] numeric = FiniteDifferences.gradient(l -> step(gls, l).objective(), LOSSES, 1e-6);
            double error = FiniteDifferences.relativeError(autograd, numeric);
            assertTrue(error < 1e-8, "relative error " + error + ": autograd " + java.util.Arrays.toString(autograd)
                    + ", finite differences " + java.util.Arrays.toString(numeric));
        }
    }

    @Test
    void theLoggedWeightsAreTheAnalyticGradient() {
        double eps = 1e-3; // large enough to show in the weights if it were left out of them
        for (DataType type : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
            try (PluginHandle<WeightingMethod> gls = gls(type, eps)) {
                Outcome out = step(gls, LOSSES);
                assertEquals(type, out.type(), "the objective has the experiment's type");
                double meanLog = 0;
                for (double l : LOSSES) {
                    meanLog += Math.log(l + eps) / LOSSES.length;
                }
                double g = Math.exp(meanLog);
                double[] analytic = new double[LOSSES.length];
                for (int i = 0; i < LOSSES.length; i++) {
                    analytic[i] = g / (LOSSES.length * (LOSSES[i] + eps));
                }
                double tolerance = type == DataType.FLOAT64 ? 1e-12 : 1e-6;
                assertTrue(FiniteDifferences.relativeError(analytic, out.weights()) < tolerance,
                        type + ": logged " + java.util.Arrays.toString(out.weights()) + ", dG/dL " + java.util.Arrays.toString(analytic));
                assertTrue(FiniteDifferences.relativeError(out.gradient(), out.weights()) < tolerance,
                        type + ": logged " + java.util.Arrays.toString(out.weights()) + ", autograd " + java.util.Arrays.toString(out.gradient()));
            }
        }
    }

    @Test
    void scalingOneLossScalesTheObjectiveByItsKthRoot() {
        try (PluginHandle<WeightingMethod> gls = gls(DataType.FLOAT64, 0)) {
            double[] scaled = LOSSES.clone();
            scaled[2] *= 1000;
            assertEquals(step(gls, LOSSES).objective() * Math.pow(1000, 1.0 / LOSSES.length), step(gls, scaled).objective(), 1e-12);
        }
    }

    @Test
    void aNegativeEpsIsRejectedWhenTheConfigIsValidated() {
        ConfigError e = assertThrows(ConfigError.class, () -> gls(DataType.FLOAT32, -1));
        assertTrue(e.getMessage().contains("weighting.eps"), e.getMessage());
        ConfigError typo = assertThrows(ConfigError.class,
                () -> PluginHarness.of(WeightingFactory.class, "gls").with("esp", 0).create());
        assertTrue(typo.getMessage().contains("did you mean 'eps'?"), typo.getMessage());
    }

    @Test
    void aZeroLossWithoutEpsIsAnErrorNamingTheTask() {
        try (PluginHandle<WeightingMethod> gls = gls(DataType.FLOAT64, 0)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> step(gls, new double[] {0.5, 0}));
            assertTrue(e.getMessage().contains("task 1") && e.getMessage().contains("weighting.eps > 0"), e.getMessage());
        }
        try (PluginHandle<WeightingMethod> gls = gls(DataType.FLOAT64, 1e-8)) {
            Outcome out = step(gls, new double[] {0.5, 0});
            assertArrayEquals(out.gradient(), out.weights(), 1e-6 * out.weights()[1], "finite with the default eps");
        }
    }
}
