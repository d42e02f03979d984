package dev.meta4j.weighting;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import dev.meta4j.api.Rng;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MGDA's three min-norm solvers: the exact one against optima found independently (the 50-digit
 * support enumeration of {@code weighting_mgda_golden.py}, and a support enumeration here that
 * solves each KKT system with the pseudo-inverse instead of the solver's LU), and the official
 * iterative ones against the exact optimum and their Python re-implementations.
 */
class MinNormSolversTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 5);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    static Stream<Arguments> exactRecords() {
        return Golden.mgdaExact().stream().map(r -> Arguments.of(
                r.get("case").getAsString() + " " + r.get("normalization").getAsString(), r));
    }

    /** The Gram matrix of the normalised gradients, as {@link Mgda} forms it (1e-12 floor). */
    private static double[][] normalizedGram(Golden.Case c, String normalization) {
        double[][] gram = Golden.gram(c.g());
        int k = c.k();
        double[] s = new double[k];
        for (int i = 0; i < k; i++) {
            double norm = Math.sqrt(gram[i][i]);
            s[i] = Math.max(switch (normalization) {
                case "l2" -> norm;
                case "loss" -> c.losses()[i];
                case "loss+" -> c.losses()[i] * norm;
                default -> 1;
            }, 1e-12);
        }
        double[][] out = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                out[i][j] = gram[i][j] / (s[i] * s[j]);
            }
        }
        return out;
    }

    private static double largestDiagonal(double[][] m) {
        double d = 0;
        for (int i = 0; i < m.length; i++) {
            d = Math.max(d, m[i][i]);
        }
        return d;
    }

    // ------------------------------------------------------------------ exact, against the goldens

    @ParameterizedTest(name = "{0}")
    @MethodSource("exactRecords")
    void exactSolverReachesTheEnumeratedOptimum(String label, JsonObject r) {
        Golden.Case c = Golden.testCase(r.get("case").getAsString());
        String norm = r.get("normalization").getAsString();
        double[][] m = normalizedGram(c, norm);
        ExactMinNorm.Solution s = ExactMinNorm.solve(m);
        double expected = r.get("value").getAsDouble();
        double top = largestDiagonal(m);
        // relative to the optimum itself, with a floor for optima that are exactly 0
        assertEquals(expected, s.value(), 1e-10 * expected + 1e-15 * top, label);
        assertEquals(1, java.util.Arrays.stream(s.weights()).sum(), 1e-14);
        // the weights are unique here once identical rows give theirs to the lowest index
        assertTrue(r.get("alpha_unique").getAsBoolean(), "the golden cases have unique weights under the rule");
        double[] alpha = Golden.vector(r.getAsJsonArray("alpha"));
        assertArrayEquals(alpha, s.weights(), 1e-8, label + ": " + java.util.Arrays.toString(s.weights()));
        for (var group : r.getAsJsonArray("identical_groups")) {
            var g = group.getAsJsonArray();
            for (int i = 1; i < g.size(); i++) {
                assertEquals(0.0, s.weights()[g.get(i).getAsInt()], 0, label + ": a copy gets no weight");
            }
        }
    }

    /** The case that Frank-Wolfe's 250 iterations left 5.6e-4 of the largest squared norm away. */
    @Test
    void exactSolverSolvesTheBadlyScaledCaseThroughThePlugin() {
        JsonObject r = Golden.mgdaExact().stream()
                .filter(x -> x.get("case").getAsString().equals("k5_badly_scaled") && x.get("normalization").getAsString().equals("loss"))
                .findFirst().orElseThrow();
        Golden.Case c = Golden.testCase("k5_badly_scaled");
        WeightingMethod m = kit.create(PluginKind.WEIGHTING, "mgda", "normalization = loss", WeightingMethod.class);
        double[] w;
        double[] update;
        try (NDManager sm = kit.manager().newSubManager()) {
            Combination.SharedGradient out = (Combination.SharedGradient) m.combine(
                    Golden.shared(c.g(), c.losses(), 0, sm, DataType.FLOAT64));
            w = Golden.values(out.taskWeights());
            update = Golden.values(out.sharedGradient());
        }
        double[] alpha = Golden.vector(r.getAsJsonArray("alpha"));
        double[] expectedW = alpha.clone();
        for (int i = 0; i < expectedW.length; i++) {
            expectedW[i] *= c.k();
        }
        assertArrayEquals(expectedW, w, 1e-8);
        assertTrue(Golden.relativeError(update, Golden.combine(expectedW, c.g()), 1e-300) < 1e-8);
        // the min-norm point of the normalised gradients, unique in any case
        double[][] v = new double[c.k()][];
        for (int i = 0; i < c.k(); i++) {
            v[i] = c.g()[i].clone();
            for (int j = 0; j < v[i].length; j++) {
                v[i][j] /= c.losses()[i];
            }
        }
        double[] u = Golden.combine(alpha, v);
        double[] ours = Golden.combine(w, v);
        for (int j = 0; j < ours.length; j++) {
            ours[j] /= c.k();
        }
        double[] expectedU = Golden.vector(r.getAsJsonArray("min_norm_point"));
        assertTrue(Golden.relativeError(ours, expectedU, 1e-300) < 1e-8);
        assertTrue(Golden.relativeError(u, expectedU, 1e-300) < 1e-12, "the golden's own point is consistent");
    }

    // ------------------------------------------------------------------ exact, against an enumeration here

    /**
     * {@code min w^T M w} over the simplex by trying every support: the affine minimiser of each
     * (from the pseudo-inverse of its bordered KKT matrix), kept when its weights are
     * non-negative. Exponential in K, fine for K &le; 8.
     */
    private static double enumeratedOptimum(double[][] m) {
        int k = m.length;
        double best = Double.POSITIVE_INFINITY;
        for (int subset = 1; subset < (1 << k); subset++) {
            final int mask = subset;
            int[] s = java.util.stream.IntStream.range(0, k).filter(i -> (mask & (1 << i)) != 0).toArray();
            int n = s.length;
            double[][] b = new double[n + 1][n + 1];
            for (int p = 0; p < n; p++) {
                for (int q = 0; q < n; q++) {
                    b[p][q] = m[s[p]][s[q]];
                }
                b[p][n] = -1;
                b[n][p] = 1;
            }
            double[][] inv = SmallLinearAlgebra.pseudoInverse(b, 1e-14);
            double[] w = new double[k];
            boolean feasible = true;
            for (int p = 0; p < n; p++) {
                w[s[p]] = inv[p][n]; // the solution for the right-hand side e_n
                feasible &= w[s[p]] >= -1e-12;
            }
            double sum = java.util.Arrays.stream(w).sum();
            if (feasible && Math.abs(sum - 1) < 1e-9) {
                best = Math.min(best, SmallLinearAlgebra.quadratic(m, w));
            }
        }
        return best;
    }

    @Test
    void exactSolverMatchesAnEnumerationOfSupportsOnTheBadlyScaledCase() {
        Golden.Case c = Golden.testCase("k5_badly_scaled");
        for (String norm : List.of("none", "l2", "loss", "loss+")) {
            double[][] m = normalizedGram(c, norm);
            double exact = ExactMinNorm.solve(m).value();
            double enumerated = enumeratedOptimum(m);
            assertEquals(enumerated, exact, 1e-10 * enumerated, norm);
        }
    }

    /** Random Gram matrices, some rank-deficient (P < K), with norms over four orders of magnitude. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void exactSolverIsAKktPointAndMatchesTheEnumeration(int seed) {
        Rng rng = new Rng(seed);
        int k = 2 + seed % 6;
        int p = seed % 3 == 0 ? k - 1 : 2 * k;
        double[][] g = new double[k][p];
        for (int i = 0; i < k; i++) {
            double scale = StrictMath.pow(10, 4 * rng.nextDouble() - 2);
            for (int j = 0; j < p; j++) {
                g[i][j] = scale * rng.nextGaussian();
            }
        }
        double[][] m = Golden.gram(g);
        ExactMinNorm.Solution s = ExactMinNorm.solve(m);
        double[] w = s.weights();
        double value = SmallLinearAlgebra.quadratic(m, w);
        double[] mw = SmallLinearAlgebra.multiply(m, w);
        double top = largestDiagonal(m);
        for (int j = 0; j < k; j++) {
            assertTrue(w[j] >= 0, "feasible");
            assertTrue(mw[j] >= value - 1e-12 * (value + top * 1e-3), "KKT: (M w)_j >= w^T M w at " + j);
        }
        double enumerated = enumeratedOptimum(m);
        assertEquals(enumerated, value, 1e-10 * enumerated + 1e-15 * top);
    }

    /**
     * Forty tasks (CelebA's count) with copies, a zero-scale task and rank 25: the exact solver
     * meets the optimality conditions and is never worse than a long, tight projected-gradient run.
     */
    @Test
    void exactSolverHandlesFortyTasksWithCopies() {
        Rng rng = new Rng(40);
        int k = 40;
        double[][] g = new double[k][25];
        for (int i = 0; i < k; i++) {
            double scale = StrictMath.pow(10, 2 * rng.nextDouble() - 1);
            for (int j = 0; j < 25; j++) {
                g[i][j] = scale * rng.nextGaussian() + 0.3;
            }
        }
        g[17] = g[3].clone();
        g[31] = g[3].clone();
        g[8] = g[30].clone();
        double[][] m = Golden.gram(g);
        ExactMinNorm.Solution s = ExactMinNorm.solve(m);
        double[] w = s.weights();
        double top = largestDiagonal(m);
        double[] mw = SmallLinearAlgebra.multiply(m, w);
        for (int j = 0; j < k; j++) {
            assertTrue(mw[j] >= s.value() - 1e-12 * top, "KKT at " + j);
        }
        assertEquals(0.0, w[17] + w[31] + w[30], 0, "copies give their weight to the lowest index");
        double pg = SmallLinearAlgebra.quadratic(m, MinNormSolver.projectedGradient(m, 50_000, 1e-16).weights());
        assertTrue(s.value() <= pg + 1e-15 * top, s.value() + " vs " + pg);
    }

    /**
     * A Gram matrix rounded to float32 (as a float32 run's torch matmul delivers it) may be
     * slightly indefinite; the solver still returns convex weights, as good as the float64 ones to
     * float32 accuracy.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6})
    void exactSolverCopesWithAFloat32Gram(int seed) {
        Rng rng = new Rng(100 + seed);
        int k = 3 + seed;
        double[][] g = new double[k][k - 1]; // rank-deficient, so rounding can make it indefinite
        for (double[] row : g) {
            for (int j = 0; j < row.length; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        double[][] m = Golden.gram(g);
        double[][] rounded = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                rounded[i][j] = (float) m[i][j];
            }
        }
        double[] w = ExactMinNorm.solve(rounded).weights();
        double sum = 0;
        for (double v : w) {
            assertTrue(v >= 0);
            sum += v;
        }
        assertEquals(1, sum, 1e-14);
        double exact = ExactMinNorm.solve(m).value();
        assertEquals(exact, SmallLinearAlgebra.quadratic(m, w), 1e-5 * largestDiagonal(m));
    }

    // ------------------------------------------------------------------ ties and degenerate input

    /**
     * Identical rows give their whole weight to the lowest index, whatever the last bits of the
     * Gram matrix say: the same answer for every one-ulp perturbation of the entries.
     */
    @Test
    void identicalRowsGiveTheirWeightToTheLowestIndexWhateverTheRounding() {
        Golden.Case c = Golden.testCase("k3_identical");
        double[][] base = Golden.gram(c.g());
        double[] reference = ExactMinNorm.solve(base).weights();
        assertEquals(0.0, reference[1], 0, "row 1 is a copy of row 0");
        assertTrue(reference[0] > 0 && reference[2] > 0);
        Rng rng = new Rng(3);
        for (int trial = 0; trial < 200; trial++) {
            double[][] m = new double[3][3];
            for (int i = 0; i < 3; i++) {
                for (int j = i; j < 3; j++) {
                    double v = base[i][j];
                    int ulps = rng.nextInt(5) - 2;
                    for (int u = 0; u < Math.abs(ulps); u++) {
                        v = ulps > 0 ? Math.nextUp(v) : Math.nextDown(v);
                    }
                    m[i][j] = v;
                    m[j][i] = v;
                }
            }
            double[] w = ExactMinNorm.solve(m).weights();
            assertEquals(0.0, w[1], 0, "trial " + trial);
            assertArrayEquals(reference, w, 1e-12, "trial " + trial);
        }
        // the copy first: the lowest index of the group is now the copy's
        double[][] swapped = Golden.gram(new double[][] {c.g()[2], c.g()[0], c.g()[1]});
        double[] w = ExactMinNorm.solve(swapped).weights();
        assertArrayEquals(new double[] {reference[2], reference[0], 0}, w, 1e-12);
    }

    @Test
    void degenerateInputsHaveTheirStatedAnswers() {
        assertArrayEquals(new double[] {1}, ExactMinNorm.solve(new double[][] {{4}}).weights(), 0);
        assertArrayEquals(new double[] {1, 0, 0}, ExactMinNorm.solve(new double[3][3]).weights(), 0, "all zero");
        // a zero row is the min-norm point; two zero rows: the lower index
        double[][] g = {{1, 2}, {0, 0}, {-3, 1}, {0, 0}};
        assertArrayEquals(new double[] {0, 1, 0, 0}, ExactMinNorm.solve(Golden.gram(g)).weights(), 0);
        // opposite vectors: 0 is on the segment, at (1/3, 2/3) for g2 = -0.5 g1
        double[][] opposite = {{2, -4}, {-1, 2}};
        ExactMinNorm.Solution s = ExactMinNorm.solve(Golden.gram(opposite));
        assertArrayEquals(new double[] {1 / 3.0, 2 / 3.0}, s.weights(), 1e-15);
        assertEquals(0, s.value(), 1e-15);
        // three collinear points on one line through no origin: the nearest is a segment point
        double[][] line = {{1, 1}, {1, 2}, {1, 3}};
        assertArrayEquals(new double[] {1, 0, 0}, ExactMinNorm.solve(Golden.gram(line)).weights(), 0);
        assertThrows(IllegalArgumentException.class, () -> ExactMinNorm.solve(new double[][] {{1, Double.NaN}, {Double.NaN, 1}}));
    }

    // ------------------------------------------------------------------ the official iterative solvers

    static Stream<Arguments> iterativeRecords() {
        return exactRecords().filter(a -> ((JsonObject) a.get()[1]).has("frank_wolfe_value"));
    }

    /**
     * Each iterative solver ends where its Python re-implementation of the official code does. Not
     * on the badly scaled cases: where the iterations stop there depends on rounding (a relative
     * change of 2e-17 in the Gram matrix moves the projected gradient's end point by 3 % of its
     * value in the Python code itself), so only the exact solver's lead is checked there.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("iterativeRecords")
    void iterativeSolversMatchTheirReimplementations(String label, JsonObject r) {
        Golden.Case c = Golden.testCase(r.get("case").getAsString());
        double[][] m = normalizedGram(c, r.get("normalization").getAsString());
        double top = largestDiagonal(m);
        double fw = SmallLinearAlgebra.quadratic(m, MinNormSolver.frankWolfe(m, 250, 1e-5).weights());
        double pg = SmallLinearAlgebra.quadratic(m, MinNormSolver.projectedGradient(m, 250, 1e-5).weights());
        if (!label.contains("badly")) {
            assertEquals(r.get("frank_wolfe_value").getAsDouble(), fw, 1e-12 * top, label + ": frank-wolfe");
            assertEquals(r.get("projected_gradient_value").getAsDouble(), pg, 1e-12 * top, label + ": projected gradient");
        }
        double exact = ExactMinNorm.solve(m).value();
        assertTrue(exact <= fw + 1e-15 * top && exact <= pg + 1e-15 * top, label + ": exact is the least");
    }

    /**
     * The finding that made {@code exact} the default: on the badly scaled case with loss
     * normalisation Frank-Wolfe's 250 iterations stop far from the optimum (5.1e-4 of the largest
     * squared norm in the Python re-implementation), the exact solver does not.
     */
    @Test
    void frankWolfeStopsFarFromTheOptimumOnTheBadlyScaledCase() {
        double[][] m = normalizedGram(Golden.testCase("k5_badly_scaled"), "loss");
        double top = largestDiagonal(m);
        double exact = ExactMinNorm.solve(m).value();
        MinNormSolver.Solution fw = MinNormSolver.frankWolfe(m, 250, 1e-5);
        double gap = (SmallLinearAlgebra.quadratic(m, fw.weights()) - exact) / top;
        assertEquals(250, fw.iterations(), "stops at the cap");
        assertTrue(gap > 1e-4, "gap " + gap);
        assertEquals(exact, enumeratedOptimum(m), 1e-10 * exact);
    }

    /** On well-conditioned problems the three agree, the iterative ones to their documented ~1e-6. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {21, 22, 23, 24, 25, 26, 27, 28})
    void allSolversAgreeOnWellConditionedProblems(int seed) {
        Rng rng = new Rng(seed);
        int k = 3 + seed % 5;
        double[][] g = new double[k][3 * k];
        for (double[] row : g) {
            for (int j = 0; j < row.length; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        double[][] m = Golden.gram(g);
        double top = largestDiagonal(m);
        double[] exact = ExactMinNorm.solve(m).weights();
        double e = SmallLinearAlgebra.quadratic(m, exact);
        for (double[] w : List.of(MinNormSolver.frankWolfe(m, 250, 1e-5).weights(),
                MinNormSolver.projectedGradient(m, 250, 1e-5).weights())) {
            double v = SmallLinearAlgebra.quadratic(m, w);
            assertTrue(v >= e - 1e-15 * top && v - e <= 1e-6 * top, "gap " + (v - e) / top);
            assertEquals(1, java.util.Arrays.stream(w).sum(), 1e-12);
        }
        // with a tight tolerance and many iterations both come close to the exact weights
        double[] pg = MinNormSolver.projectedGradient(m, 100_000, 1e-15).weights();
        assertTrue(SmallLinearAlgebra.quadratic(m, pg) - e <= 1e-12 * top);
    }

    @Test
    void simplexProjectionMatchesItsDefinition() {
        double[] y = {0.9, -0.3, 0.6, 0.2};
        double[] z = MinNormSolver.projectOnSimplex(y);
        assertEquals(1, java.util.Arrays.stream(z).sum(), 1e-15);
        // z = max(y - tau, 0) with one tau: the entries above it moved by the same amount
        assertArrayEquals(new double[] {0.65, 0, 0.35, 0}, z, 1e-15);
        assertArrayEquals(new double[] {0.2, 0.3, 0.5}, MinNormSolver.projectOnSimplex(new double[] {0.2, 0.3, 0.5}), 1e-15);
    }
}
