package dev.meta4j.weighting;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meta4j.api.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The small solvers on their own, against problems with known answers. */
class SolversTest {

    private static double[][] randomMatrix(Rng rng, int m, int n) {
        double[][] a = new double[m][n];
        for (double[] row : a) {
            for (int j = 0; j < n; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        return a;
    }

    private static double[][] mul(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b[0].length; j++) {
                for (int k = 0; k < b.length; k++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }

    private static void assertMatrixEquals(double[][] e, double[][] a, double tol) {
        for (int i = 0; i < e.length; i++) {
            assertArrayEquals(e[i], a[i], tol);
        }
    }

    // ------------------------------------------------------------------ linear algebra

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 2, 4, 7})
    void pseudoInverseOfAnInvertibleMatrixIsItsInverse(int n) {
        double[][] a = randomMatrix(new Rng(n), n, n);
        double[][] p = SmallLinearAlgebra.pseudoInverse(a, 1e-12);
        double[][] id = new double[n][n];
        for (int i = 0; i < n; i++) {
            id[i][i] = 1;
        }
        assertMatrixEquals(id, mul(a, p), 1e-10);
        assertMatrixEquals(id, mul(p, a), 1e-10);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"4x4 rank 2", "5x3 rank 2", "3x5 rank 1", "3x3 rank 0"})
    void pseudoInverseSatisfiesThePenroseConditions(String shape) {
        String[] p = shape.split("[x ]");
        int m = Integer.parseInt(p[0]);
        int n = Integer.parseInt(p[1]);
        int r = Integer.parseInt(p[3]);
        Rng rng = new Rng(shape.hashCode());
        double[][] a = r == 0 ? new double[m][n] : mul(randomMatrix(rng, m, r), randomMatrix(rng, r, n));
        double[][] x = SmallLinearAlgebra.pseudoInverse(a, 1e-10);
        assertMatrixEquals(a, mul(mul(a, x), a), 1e-10);
        assertMatrixEquals(x, mul(mul(x, a), x), 1e-10);
        double[][] ax = mul(a, x);
        double[][] xa = mul(x, a);
        assertMatrixEquals(ax, SmallLinearAlgebra.transpose(ax), 1e-10);
        assertMatrixEquals(xa, SmallLinearAlgebra.transpose(xa), 1e-10);
    }

    @Test
    void spdSolveHandlesWildlyDifferentScales() {
        double[][] h = {{1e26, 1e3, 0}, {1e3, 2.0, 0.5}, {0, 0.5, 1e20}};
        double[] x = {1e-20, 3.0, -2e-17};
        double[][] b = new double[3][1];
        for (int i = 0; i < 3; i++) {
            b[i][0] = SmallLinearAlgebra.dot(h[i], x);
        }
        double[][] s = SmallLinearAlgebra.solveSpd(h, b);
        for (int i = 0; i < 3; i++) {
            assertEquals(x[i], s[i][0], 1e-12 * Math.abs(x[i]));
        }
    }

    // ------------------------------------------------------------------ barrier method

    /** Euclidean projection onto the simplex (Held et al. / Duchi et al.): sort-based, exact. */
    private static double[] projectOnSimplex(double[] y) {
        double[] s = y.clone();
        java.util.Arrays.sort(s);
        double cum = 0;
        double theta = 0;
        for (int i = s.length - 1, j = 1; i >= 0; i--, j++) {
            cum += s[i];
            double t = (cum - 1) / j;
            if (s[i] - t > 0) {
                theta = t;
            }
        }
        double[] x = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            x[i] = Math.max(y[i] - theta, 0);
        }
        return x;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void barrierProjectsOntoTheSimplex(int seed) {
        Rng rng = new Rng(seed);
        int n = 2 + seed;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextGaussian();
        }
        BarrierSolver.Problem p = new BarrierSolver.Problem() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public int inequalities() {
                return n;
            }

            @Override
            public double objective(double[] x, double[] grad, double[][] hess) {
                double v = 0;
                for (int i = 0; i < n; i++) {
                    v += 0.5 * (x[i] - y[i]) * (x[i] - y[i]);
                    if (grad != null) {
                        grad[i] = x[i] - y[i];
                    }
                    if (hess != null) {
                        hess[i][i] = 1;
                    }
                }
                return v;
            }

            @Override
            public double constraint(int i, double[] x, double[] grad, double[][] hess) {
                if (grad != null) {
                    java.util.Arrays.fill(grad, 0);
                    grad[i] = -1;
                }
                return -x[i];
            }
        };
        double[] x0 = new double[n];
        java.util.Arrays.fill(x0, 1.0 / n);
        BarrierSolver.Result r = BarrierSolver.minimize(p, x0, new double[][] {TaskGradients.ones(n)},
                new BarrierSolver.Options());
        assertEquals(BarrierSolver.Status.CONVERGED, r.status());
        assertArrayEquals(projectOnSimplex(y), r.x(), 1e-9);
        assertEquals(1, java.util.Arrays.stream(r.x()).sum(), 1e-14, "stays on the equality");
    }

    @Test
    void barrierSolvesAnLpAtAVertex() {
        // min -x - 2y s.t. x + y <= 4, x <= 3, x >= 0, y >= 0 -> (0, 4)
        BarrierSolver.Problem p = new BarrierSolver.Problem() {
            final double[][] rows = {{1, 1}, {1, 0}, {-1, 0}, {0, -1}};
            final double[] rhs = {4, 3, 0, 0};

            @Override
            public int size() {
                return 2;
            }

            @Override
            public int inequalities() {
                return 4;
            }

            @Override
            public double objective(double[] x, double[] grad, double[][] hess) {
                if (grad != null) {
                    grad[0] = -1;
                    grad[1] = -2;
                }
                return -x[0] - 2 * x[1];
            }

            @Override
            public double constraint(int i, double[] x, double[] grad, double[][] hess) {
                if (grad != null) {
                    System.arraycopy(rows[i], 0, grad, 0, 2);
                }
                return SmallLinearAlgebra.dot(rows[i], x) - rhs[i];
            }
        };
        BarrierSolver.Result r = BarrierSolver.minimize(p, new double[] {1, 1}, null, new BarrierSolver.Options());
        assertArrayEquals(new double[] {0, 4}, r.x(), 1e-10);
        assertTrue(r.gap() < 1e-12);
    }

    // ------------------------------------------------------------------ min-norm

    @Test
    void minNormPairClipsAtTheVertices() {
        assertArrayEquals(new double[] {1, 1}, MinNormSolver.pair(1, 2, 5), 0); // x1 is closest
        assertArrayEquals(new double[] {0, 1}, MinNormSolver.pair(5, 2, 1), 0);
        assertArrayEquals(new double[] {0.5, 0}, MinNormSolver.pair(1, -1, 1), 1e-15);
        assertArrayEquals(new double[] {1, 0}, MinNormSolver.pair(0, 0, 0), 0);
    }

    @Test
    void minNormOfTheUnitVectorsIsTheirCentroid() {
        double[][] gram = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        MinNormSolver.Solution s = MinNormSolver.frankWolfe(gram, 100000, 1e-12);
        assertArrayEquals(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, s.weights(), 1e-5);
    }

    // ------------------------------------------------------------------ CAGrad dual

    @ParameterizedTest(name = "c = {0}")
    @ValueSource(doubles = {0.0, 0.2, 0.4, 1.0, 3.0})
    void caGradDualMatchesADenseSearchForTwoTasks(double c) {
        double[][] g = {{1.0, 0.3, -0.2}, {-0.6, 0.8, 0.1}};
        double[][] a = Golden.gram(g);
        CaGradDual.Solution s = CaGradDual.solve(a, c);
        // golden-section search on x = (t, 1 - t), then a check against a fine grid
        double lo = 0;
        double hi = 1;
        double phi = (Math.sqrt(5) - 1) / 2;
        for (int i = 0; i < 200; i++) {
            double m1 = hi - phi * (hi - lo);
            double m2 = lo + phi * (hi - lo);
            if (CaGradDual.objective(a, s.c(), new double[] {m1, 1 - m1}) < CaGradDual.objective(a, s.c(), new double[] {m2, 1 - m2})) {
                hi = m2;
            } else {
                lo = m1;
            }
        }
        double t = (lo + hi) / 2;
        assertEquals(t, s.x()[0], 1e-6);
        double best = CaGradDual.objective(a, s.c(), s.x());
        for (int i = 0; i <= 10000; i++) {
            double u = i / 10000.0;
            assertTrue(best <= CaGradDual.objective(a, s.c(), new double[] {u, 1 - u}) + 1e-14);
        }
    }

    /**
     * A float32 Gram matrix of two nearly opposite gradients, met by the toy study (CAGrad, Adam lr
     * 0.004, from (9, 9), step 2587): g1 = (5.626725e-5, 0.39693403), g2 = (0, -3.1028454). Rounding
     * makes its determinant negative (-1.3e-7; exactly it is +3.0e-8), and the dual's barrier
     * solver threw "matrix is not positive definite", which ended the training run.
     */
    @Test
    void caGradSurvivesAFloat32GramThatRoundingMadeIndefinite() {
        float[] g = {5.626725E-5f, 0.39693403f, 0.0f, -3.1028454f};
        float a11 = g[0] * g[0] + g[1] * g[1];
        float a12 = g[0] * g[2] + g[1] * g[3];
        float a22 = g[2] * g[2] + g[3] * g[3];
        double[][] float32 = {{a11, a12}, {a12, a22}};
        assertTrue(float32[0][0] * float32[1][1] - float32[0][1] * float32[1][0] < 0, "the input is indefinite");
        double[][] exact = {
            {(double) g[0] * g[0] + (double) g[1] * g[1], (double) g[1] * g[3]},
            {(double) g[1] * g[3], (double) g[3] * g[3]}
        };
        double[] w = CaGrad.weights(float32, 0.4, 1);
        double[] reference = CaGrad.weights(exact, 0.4, 1);
        assertArrayEquals(reference, w, 1e-6);
    }

    @Test
    void nearestPositiveSemidefiniteKeepsPsdMatricesAndProjectsIndefiniteOnes() {
        Rng rng = new Rng(11);
        for (int n = 1; n <= 5; n++) {
            double[][] g = randomMatrix(rng, n, 3);
            double[][] psd = mul(g, SmallLinearAlgebra.transpose(g)); // rank min(n, 3)
            if (n <= 3) { // positive definite: comes back unchanged, the same array
                assertTrue(SmallLinearAlgebra.nearestPositiveSemidefinite(psd) == psd, "n = " + n);
            }
            double[][] shifted = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    shifted[i][j] = psd[i][j] + (i == j ? -0.3 : 0);
                }
            }
            double[][] p = SmallLinearAlgebra.nearestPositiveSemidefinite(shifted);
            // symmetric, positive semidefinite, and no farther from the input than the input's
            // negative part (the distance of the projection)
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(p[i][j], p[j][i], 0);
                }
            }
            for (int trial = 0; trial < 50; trial++) {
                double[] x = new double[n];
                for (int i = 0; i < n; i++) {
                    x[i] = rng.nextGaussian();
                }
                assertTrue(SmallLinearAlgebra.quadratic(p, x) >= -1e-12 * SmallLinearAlgebra.dot(x, x));
            }
        }
        double[][] diag = {{2, 0}, {0, -1}};
        assertMatrixEquals(new double[][] {{2, 0}, {0, 0}}, SmallLinearAlgebra.nearestPositiveSemidefinite(diag), 0);
        double[][] pd = {{2, 1}, {1, 3}};
        assertTrue(SmallLinearAlgebra.nearestPositiveSemidefinite(pd) == pd, "unchanged, same array");
        // [[1, 2], [2, 1]] has eigenvalues 3 and -1 with eigenvectors (1, 1) and (1, -1) / sqrt 2
        assertMatrixEquals(new double[][] {{1.5, 1.5}, {1.5, 1.5}},
                SmallLinearAlgebra.nearestPositiveSemidefinite(new double[][] {{1, 2}, {2, 1}}), 1e-12);
    }

    // ------------------------------------------------------------------ Nash-MTL sub-problems

    @Test
    void nashSubproblemDetectsInfeasibleAndUnboundedProblems() {
        // opposite gradients: no alpha > 0 has G alpha > 0
        double[][] opposite = {{1, -1}, {-1, 1}};
        assertNull(NashBargainingSolver.phaseOne(opposite));
        assertNull(NashBargainingSolver.subproblem(opposite, 2, new double[] {1, 1}));
        // a zero row
        double[][] zero = {{1, 0}, {0, 0}};
        assertNull(NashBargainingSolver.phaseOne(zero));
        // strongly conflicting third task with G 1 < 0 somewhere: unbounded at alpha = 1
        Golden.Case small = Golden.testCase("k3_small");
        double[][] gram = Golden.gram(small.g());
        double nf = frobenius(gram);
        double[][] gn = scale(gram, 1 / nf);
        assertNotNull(NashBargainingSolver.phaseOne(gn), "feasible");
        assertNull(NashBargainingSolver.subproblem(gn, nf, new double[] {1, 1, 1}), "unbounded at ones");
        assertArrayEquals(new double[] {1, 1, 1}, NashBargainingSolver.solve(gram, new double[] {1, 1, 1}, 20).alpha(), 0);
    }

    @Test
    void nashSubproblemSolutionsAreKktPoints() {
        Golden.Case c = Golden.testCase("k5_conflict");
        double[][] gram = Golden.gram(c.g());
        double nf = frobenius(gram);
        double[][] gn = scale(gram, 1 / nf);
        double[] a = NashBargainingSolver.subproblem(gn, nf, new double[] {1, 1, 1, 1, 1});
        assertNotNull(a);
        // all constraints active: a_i (G a)_i = 1, which is the bargaining condition itself
        double[] ga = SmallLinearAlgebra.multiply(gram, a);
        for (int i = 0; i < a.length; i++) {
            assertEquals(1, a[i] * ga[i], 1e-10);
        }
        assertFalse(NashBargainingSolver.unbounded(gn, TaskGradients.ones(5), a));
    }

    private static double frobenius(double[][] a) {
        double s = 0;
        for (double[] row : a) {
            for (double v : row) {
                s += v * v;
            }
        }
        return Math.sqrt(s);
    }

    private static double[][] scale(double[][] a, double f) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] *= f;
            }
        }
        return out;
    }
}
