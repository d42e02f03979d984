package dev.meta4j.weighting;

import static dev.meta4j.weighting.Golden.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Properties each method must have, derived by hand (no reference implementation involved), on
 * random float64 gradients through the plugins.
 */
class ClosedFormTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 5);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static Combination.SharedGradient run(String method, String overrides, double[][] g) {
        WeightingMethod m = kit.create(PluginKind.WEIGHTING, method, overrides, WeightingMethod.class);
        double[] losses = new double[g.length];
        java.util.Arrays.fill(losses, 1);
        NDManager sm = kit.manager().newSubManager();
        return assertInstanceOf(Combination.SharedGradient.class, m.combine(Golden.shared(g, losses, 0, sm, DataType.FLOAT64)));
    }

    static double[][] random(Rng rng, int k, int p) {
        double[][] g = new double[k][p];
        for (double[] row : g) {
            for (int j = 0; j < p; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        return g;
    }

    // ------------------------------------------------------------------ MGDA

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void mgdaWithTwoTasksHasTheAnalyticWeight(int seed) {
        Rng rng = new Rng(seed);
        double[][] g = random(rng, 2, 9);
        // seeds 5..8: aligned pairs, where the minimum sits at a vertex for the larger ratios
        if (seed > 4) {
            for (int j = 0; j < 9; j++) {
                g[1][j] = (seed - 3) * g[0][j] + 0.3 * g[1][j];
            }
        }
        double[] d = Golden.sub(g[0], g[1]);
        // argmin_a |a g1 + (1 - a) g2|^2 = clamp((g2 - g1).g2 / |g1 - g2|^2, 0, 1)
        double a = Math.min(1, Math.max(0, -SmallLinearAlgebra.dot(d, g[1]) / SmallLinearAlgebra.dot(d, d)));
        Combination.SharedGradient out = run("mgda", "weights = sum-one", g);
        assertArrayEquals(new double[] {a, 1 - a}, values(out.taskWeights()), 1e-12);
        assertArrayEquals(Golden.combine(new double[] {a, 1 - a}, g), values(out.sharedGradient()), 1e-12);
        // sum-tasks doubles them
        assertArrayEquals(new double[] {2 * a, 2 * (1 - a)}, values(run("mgda", "", g).taskWeights()), 1e-12);
    }

    @Test
    void mgdaFindsTheOriginInsideTheHull() {
        // e1, e2 and -(e1 + e2): the origin is (1/3)(e1 + e2 - (e1 + e2)), the unique min-norm point
        double[][] g = {{1, 0, 0}, {0, 1, 0}, {-1, -1, 0}};
        Combination.SharedGradient out = run("mgda", "weights = sum-one, tolerance = 1e-12, max-iter = 100000", g);
        assertArrayEquals(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, values(out.taskWeights()), 1e-4);
        assertTrue(Golden.norm(values(out.sharedGradient())) < 1e-4);
    }

    // ------------------------------------------------------------------ PCGrad

    @Test
    void pcgradLeavesOrthogonalGradientsUnchanged() {
        Rng rng = new Rng(3);
        double[][] g = random(rng, 3, 12);
        // Gram-Schmidt: mutually orthogonal rows of different lengths
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < i; j++) {
                double c = SmallLinearAlgebra.dot(g[i], g[j]) / SmallLinearAlgebra.dot(g[j], g[j]);
                for (int p = 0; p < 12; p++) {
                    g[i][p] -= c * g[j][p];
                }
            }
        }
        Combination.SharedGradient out = run("pcgrad", "", g);
        assertArrayEquals(new double[] {1, 1, 1}, values(out.taskWeights()), 1e-12);
        assertArrayEquals(Golden.combine(new double[] {1, 1, 1}, g), values(out.sharedGradient()), 1e-12);
        assertArrayEquals(new double[] {1, 1, 1}, values(out.headWeights()), 0);
    }

    @Test
    void pcgradProjectsTwoConflictingGradients() {
        Rng rng = new Rng(9);
        double[][] g = random(rng, 2, 10);
        for (int p = 0; p < 10; p++) {
            g[1][p] = -0.8 * g[0][p] + 0.5 * g[1][p];
        }
        double d = SmallLinearAlgebra.dot(g[0], g[1]);
        assertTrue(d < 0);
        double[] p0 = new double[10];
        double[] p1 = new double[10];
        for (int j = 0; j < 10; j++) {
            p0[j] = g[0][j] - d / SmallLinearAlgebra.dot(g[1], g[1]) * g[1][j];
            p1[j] = g[1][j] - d / SmallLinearAlgebra.dot(g[0], g[0]) * g[0][j];
        }
        assertEquals(0, SmallLinearAlgebra.dot(p0, g[1]), 1e-12); // on the normal plane
        double[] expected = new double[10];
        for (int j = 0; j < 10; j++) {
            expected[j] = p0[j] + p1[j];
        }
        assertArrayEquals(expected, values(run("pcgrad", "", g).sharedGradient()), 1e-12);
        double[] mean = values(run("pcgrad", "reduction = mean", g).sharedGradient());
        for (int j = 0; j < 10; j++) {
            assertEquals(expected[j] / 2, mean[j], 1e-12);
        }
    }

    // ------------------------------------------------------------------ IMTL

    @ParameterizedTest(name = "K = {0}")
    @ValueSource(ints = {2, 3, 4, 5})
    void imtlGradientHasEqualProjectionsOnEveryUnitGradient(int k) {
        Rng rng = new Rng(20 + k);
        double[][] g = random(rng, k, 15);
        for (int i = 0; i < k; i++) {
            for (int p = 0; p < 15; p++) {
                g[i][p] *= 0.2 + i; // different norms
            }
        }
        Combination.SharedGradient out = run("imtl", "", g);
        double[] alpha = values(out.taskWeights());
        assertEquals(1, java.util.Arrays.stream(alpha).sum(), 1e-12);
        double[] update = values(out.sharedGradient());
        double first = SmallLinearAlgebra.dot(update, g[0]) / Golden.norm(g[0]);
        for (int i = 1; i < k; i++) {
            double proj = SmallLinearAlgebra.dot(update, g[i]) / Golden.norm(g[i]);
            assertEquals(first, proj, 1e-10 * Math.abs(first), "projection on u_" + i);
        }
        assertTrue(first > 0, "the IMTL gradient descends every loss");
        assertArrayEquals(alpha, values(out.headWeights()), 0);
        assertArrayEquals(TaskGradients.ones(k), values(run("imtl", "head-weights = one", g).headWeights()), 0);
    }

    // ------------------------------------------------------------------ Nash-MTL

    @ParameterizedTest(name = "K = {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void nashMtlWeightsSatisfyTheBargainingCondition(int k) {
        Rng rng = new Rng(40 + k);
        double[][] g = random(rng, k, 40);
        double[][] gram = Golden.gram(g);
        Combination.SharedGradient out = run("nashmtl", "max-norm = 0", g);
        double[] alpha = values(out.taskWeights());
        if (k == 1) {
            // Gn = [[1]] and alpha = 1 already meet the official first stop rule: alpha stays 1
            assertArrayEquals(new double[] {1}, alpha, 0);
            return;
        }
        double[] ga = SmallLinearAlgebra.multiply(gram, alpha);
        for (int i = 0; i < k; i++) {
            assertEquals(1 / alpha[i], ga[i], 1e-8 / alpha[i], "(G^T G alpha)_" + i + " = 1/alpha_" + i);
        }
        assertArrayEquals(Golden.combine(alpha, g), values(out.sharedGradient()), 1e-12, "no clipping at max-norm 0");
    }

    @Test
    void nashMtlClipsLikeClipGradNorm() {
        double[][] g = {{3, 0, 1}, {0, 2, 1}};
        Combination.SharedGradient out = run("nashmtl", "max-norm = 0.5", g);
        double[] alpha = values(out.taskWeights());
        double[] raw = Golden.combine(alpha, g);
        double coef = 0.5 / (Golden.norm(raw) + 1e-6);
        assertTrue(coef < 1);
        double[] clipped = values(out.sharedGradient());
        for (int j = 0; j < 3; j++) {
            assertEquals(raw[j] * coef, clipped[j], 1e-12);
        }
        assertArrayEquals(alpha, values(out.headWeights()), 0, "heads are not clipped");
        // a large max-norm leaves the update alone
        assertArrayEquals(raw, values(run("nashmtl", "max-norm = 100", g).sharedGradient()), 1e-12);
    }

    // ------------------------------------------------------------------ CAGrad

    @ParameterizedTest(name = "K = {0}")
    @ValueSource(ints = {1, 2, 3, 5})
    void cagradWithZeroRadiusIsTheSumOfGradients(int k) {
        double[][] g = random(new Rng(60 + k), k, 20);
        double[] sum = Golden.combine(TaskGradients.ones(k), g);
        double[] update = values(run("cagrad", "c = 0", g).sharedGradient());
        assertTrue(Golden.relativeError(update, sum, 1e-300) < 1e-7, "K * mean(g) up to the official 1e-8 terms");
    }

    @ParameterizedTest(name = "c = {0}")
    @ValueSource(doubles = {0.1, 0.4, 0.8})
    void cagradMaximisesTheWorstImprovementWithinItsBall(double c) {
        // the primal: d = argmax_{|d - g0| <= c |g0|} min_i g_i . d, with g0 the mean gradient
        Rng rng = new Rng(77);
        double[][] g = random(rng, 3, 6);
        for (int p = 0; p < 6; p++) {
            g[1][p] = -0.6 * g[0][p] + 0.6 * g[1][p];
        }
        int k = g.length;
        double[] update = values(run("cagrad", "c = " + c + ", rescale = 0", g).sharedGradient());
        double[] d = new double[update.length];
        double[] g0 = Golden.combine(new double[] {1.0 / k, 1.0 / k, 1.0 / k}, g);
        for (int j = 0; j < d.length; j++) {
            d[j] = update[j] / k; // undo the official "* K to match the sum loss"
        }
        double radius = c * Golden.norm(g0);
        assertEquals(radius, Golden.norm(Golden.sub(d, g0)), 1e-6 * Golden.norm(g0), "on the ball's surface");
        double best = worst(g, d);
        for (int trial = 0; trial < 20000; trial++) {
            double[] v = new double[d.length];
            for (int j = 0; j < v.length; j++) {
                v[j] = rng.nextGaussian();
            }
            double n = Golden.norm(v);
            double[] cand = new double[d.length];
            for (int j = 0; j < v.length; j++) {
                cand[j] = g0[j] + radius * v[j] / n;
            }
            assertTrue(worst(g, cand) <= best + 1e-9, "a point of the ball improves the worst task more");
        }
    }

    private static double worst(double[][] g, double[] d) {
        double w = Double.POSITIVE_INFINITY;
        for (double[] row : g) {
            w = Math.min(w, SmallLinearAlgebra.dot(row, d));
        }
        return w;
    }
}
