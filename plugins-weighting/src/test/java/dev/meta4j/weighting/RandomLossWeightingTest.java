package dev.meta4j.weighting;

import static dev.meta4j.weighting.GoldenTolerance.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.Arrays;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * RLW: each step's weights are the softmax of K fresh draws from the plugin's seeded generator,
 * so they are reproducible from the seed and continue exactly after the generator is restored.
 */
class RandomLossWeightingTest {

    private static final double[] LOSSES = {0.9, 1.7, 0.3};

    @Test
    void weightsAreTheSoftmaxOfThePluginsGaussianDraws() {
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT64, 5)) {
            WeightingMethod rlw = LossStepHarness.create(kit, "rlw", "");
            // the generator the runtime gives the weighting plugin: the master seed split by kind
            Rng expected = new Rng(5).split(PluginKind.WEIGHTING.section());
            for (int t = 0; t < 4; t++) {
                double[] draws = {expected.nextGaussian(), expected.nextGaussian(), expected.nextGaussian()};
                double[] w = softmax(draws);
                LossStepHarness.Outcome out = LossStepHarness.step(kit, rlw, LOSSES, t, 0);
                assertClose(w, out.weights(), "step " + t + " weights");
                assertClose(w, out.gradLosses(), "step " + t + " gradient = weights");
                assertClose(1, Arrays.stream(out.weights()).sum(), "weights sum to 1");
            }
        }
    }

    @Test
    void uniformDrawsComeFromTheSameGenerator() {
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT64, 6)) {
            WeightingMethod rlw = LossStepHarness.create(kit, "rlw", "distribution = uniform");
            Rng expected = new Rng(6).split(PluginKind.WEIGHTING.section());
            double[] draws = {expected.nextDouble(), expected.nextDouble(), expected.nextDouble()};
            assertClose(softmax(draws), LossStepHarness.step(kit, rlw, LOSSES, 0, 0).weights(), "softmax of U(0, 1)");
        }
    }

    @Test
    void sameSeedGivesTheSameWeightsAndAnotherSeedOthers() {
        double[][] a = run(11, 5);
        double[][] b = run(11, 5);
        double[][] c = run(12, 5);
        for (int t = 0; t < a.length; t++) {
            assertArrayEquals(a[t], b[t], 0, "same seed, step " + t);
        }
        assertFalse(Arrays.equals(a[0], c[0]), "another seed draws other weights");
        assertFalse(Arrays.equals(a[0], a[1]), "new weights every step");
    }

    @Test
    void restoringTheGeneratorContinuesTheSameWeights() {
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT64, 3)) {
            PluginContext ctx = kit.context(PluginKind.WEIGHTING, "rlw", "");
            WeightingMethod rlw = new RandomLossWeighting.Factory().create(ctx);
            for (int t = 0; t < 3; t++) {
                LossStepHarness.step(kit, rlw, LOSSES, t, 0);
            }
            long saved = ctx.rng().state(); // what the runtime's checkpoint stores for the plugin
            double[][] first = new double[3][];
            for (int t = 0; t < 3; t++) {
                first[t] = LossStepHarness.step(kit, rlw, LOSSES, 3 + t, 0).weights();
            }
            ctx.rng().restore(saved);
            for (int t = 0; t < 3; t++) {
                assertArrayEquals(first[t], LossStepHarness.step(kit, rlw, LOSSES, 3 + t, 0).weights(), 0, "step " + t);
            }
        }
    }

    @Test
    void extremeDrawsStayFinite() {
        double[] draws = {800, -800, 0, 800};
        DoubleSupplier fixed = new DoubleSupplier() {
            int i;

            @Override
            public double getAsDouble() {
                return draws[i++];
            }
        };
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT64, 0)) {
            LossStepHarness.Outcome out = LossStepHarness.step(kit, new RandomLossWeighting(fixed), new double[] {1, 2, 3, 4}, 0, 0);
            assertTrue(out.allFinite());
            assertClose(new double[] {0.5, 0, 0, 0.5}, out.weights(), "softmax without overflow");
        }
    }

    private static double[][] run(long seed, int steps) {
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT64, seed)) {
            WeightingMethod rlw = LossStepHarness.create(kit, "rlw", "");
            double[][] w = new double[steps][];
            for (int t = 0; t < steps; t++) {
                w[t] = LossStepHarness.step(kit, rlw, LOSSES, t, 0).weights();
            }
            return w;
        }
    }

    /** The textbook softmax, written out here rather than reusing the plugin's helper. */
    private static double[] softmax(double[] x) {
        double sum = 0;
        double[] e = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            e[i] = Math.exp(x[i]);
            sum += e[i];
        }
        for (int i = 0; i < x.length; i++) {
            e[i] /= sum;
        }
        return e;
    }
}
