package dev.meta4j.support.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LbfgsTest {

    /** The extended Rosenbrock function: minimum 0 at all ones, a curved valley that defeats steepest descent. */
    private static double rosenbrock(double[] x, double[] g) {
        double f = 0;
        java.util.Arrays.fill(g, 0);
        for (int i = 0; i + 1 < x.length; i++) {
            double a = x[i + 1] - x[i] * x[i];
            double b = 1 - x[i];
            f += 100 * a * a + b * b;
            g[i] += -400 * x[i] * a - 2 * b;
            g[i + 1] += 200 * a;
        }
        return f;
    }

    @Test
    void findsRosenbrocksMinimum() {
        double[] start = new double[10];
        for (int i = 0; i < start.length; i++) {
            start[i] = i % 2 == 0 ? -1.2 : 1;
        }
        Lbfgs.Result r = new Lbfgs(10, 1e-10, 0, 10_000, 20).minimize(LbfgsTest::rosenbrock, start);
        assertEquals(Lbfgs.Stop.GRADIENT, r.stop());
        for (double v : r.x()) {
            assertEquals(1, v, 1e-8);
        }
        assertTrue(r.value() < 1e-18, "value " + r.value());
        assertEquals(-1.2, start[0], 0, "the start is not modified");
    }

    @Test
    void solvesAStronglyConvexQuadraticToItsClosedForm() {
        // f(x) = 1/2 x'Ax - b'x with A = M'M + I, minimiser A^-1 b (checked through A x = b)
        int n = 30;
        SplittableRandom random = new SplittableRandom(7);
        double[][] m = new double[n][n];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = random.nextDouble(-1, 1);
            for (int j = 0; j < n; j++) {
                m[i][j] = random.nextDouble(-1, 1);
            }
        }
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    a[i][j] += m[k][i] * m[k][j];
                }
            }
            a[i][i] += 1;
        }
        Lbfgs.Objective f = (x, g) -> {
            double v = 0;
            for (int i = 0; i < n; i++) {
                double ax = 0;
                for (int j = 0; j < n; j++) {
                    ax += a[i][j] * x[j];
                }
                g[i] = ax - b[i];
                v += 0.5 * x[i] * ax - b[i] * x[i];
            }
            return v;
        };
        // 1e-7: near the minimiser f changes by about |g|^2 / lambda, which falls to f's rounding
        // (1e-16 |f|) for gradients near 1e-8, and no line search can see a decrease there
        Lbfgs.Result r = new Lbfgs(5, 1e-7, 0, 10_000, 20).minimize(f, new double[n]);
        assertEquals(Lbfgs.Stop.GRADIENT, r.stop());
        double[] residual = new double[n];
        f.valueAndGradient(r.x(), residual);
        assertArrayEquals(new double[n], residual, 1e-7);
    }

    @Test
    void stopsOnTheIterationLimitAndTheRelativeDecrease() {
        double[] start = {-1.2, 1};
        Lbfgs.Result capped = new Lbfgs(10, 0, 0, 3, 20).minimize(LbfgsTest::rosenbrock, start);
        assertEquals(Lbfgs.Stop.MAX_ITERATIONS, capped.stop());
        assertEquals(3, capped.iterations());
        Lbfgs.Result loose = new Lbfgs(10, 0, 1e-3, 10_000, 20).minimize(LbfgsTest::rosenbrock, start);
        assertEquals(Lbfgs.Stop.VALUE, loose.stop());
        Lbfgs.Result none = new Lbfgs(10, 1e-3, 0, 10, 20).minimize((x, g) -> {
            g[0] = 0;
            return 1;
        }, new double[1]);
        assertEquals(Lbfgs.Stop.GRADIENT, none.stop());
        assertEquals(0, none.iterations());
        assertThrows(IllegalArgumentException.class, () -> new Lbfgs(0, 1e-4, 0, 10, 20));
        assertThrows(IllegalArgumentException.class, () -> new Lbfgs(10, Double.NaN, 0, 10, 20));
    }

    @Test
    void logisticRegressionSatisfiesItsOptimalityConditions() {
        // At the minimiser: W / C = -sum_i (p_i - e_{y_i}) x_i', sum_i (p_i - e_{y_i}) = 0, and sum_k b_k = 0.
        int n = 12;
        int d = 7;
        int k = 3;
        double c = 3;
        SplittableRandom random = new SplittableRandom(11);
        double[][] x = new double[n][d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % k;
            for (int j = 0; j < d; j++) {
                x[i][j] = random.nextDouble(-1, 1) + (j == y[i] ? 1 : 0);
            }
        }
        MultinomialLogisticRegression.Model model =
                new MultinomialLogisticRegression(c, new Lbfgs(10, 1e-7, 0, 10_000, 20)).fit(x, y, k);
        assertEquals(Lbfgs.Stop.GRADIENT, model.solve().stop(), model.solve().toString());
        double[][] p = model.probabilities(x);
        double[][] gradW = new double[k][d];
        double[] gradB = new double[k];
        for (int i = 0; i < n; i++) {
            for (int cl = 0; cl < k; cl++) {
                double r = p[i][cl] - (y[i] == cl ? 1 : 0);
                gradB[cl] += r;
                for (int j = 0; j < d; j++) {
                    gradW[cl][j] += r * x[i][j];
                }
            }
        }
        double interceptSum = 0;
        for (int cl = 0; cl < k; cl++) {
            interceptSum += model.intercepts()[cl];
            assertEquals(0, gradB[cl], 1e-7);
            for (int j = 0; j < d; j++) {
                assertEquals(0, gradW[cl][j] + model.coefficients()[cl][j] / c, 1e-7);
            }
        }
        assertEquals(0, interceptSum, 1e-12);
        int[] predicted = model.predict(x);
        for (int i = 0; i < n; i++) {
            double sum = 0;
            int best = 0;
            for (int cl = 0; cl < k; cl++) {
                sum += p[i][cl];
                best = p[i][cl] > p[i][best] ? cl : best;
            }
            assertEquals(1, sum, 1e-14);
            assertEquals(best, predicted[i]);
        }
        assertThrows(IllegalArgumentException.class,
                () -> new MultinomialLogisticRegression(0, Lbfgs.scipyDefaults(1e-4, 100)));
        assertThrows(IllegalArgumentException.class, () -> new MultinomialLogisticRegression(3,
                Lbfgs.scipyDefaults(1e-4, 100)).fit(x, new int[] {0}, k));
    }
}
