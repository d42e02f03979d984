package dev.meta4j.weighting;

/**
 * The dual problem of CAGrad as the official code states it:
 *
 * <pre>
 *   minimise  f(x) = x^T A b + c sqrt(x^T A x + 1e-8)   over the simplex {x &gt;= 0, sum x = 1}
 * </pre>
 *
 * <p>with {@code A = G G^T}, {@code b = 1/K} and {@code c = alpha sqrt(mean(A) + 1e-8) + 1e-8}.
 * The official code calls scipy's SLSQP with its default {@code ftol = 1e-6}, an absolute
 * tolerance on {@code f}; here the problem is solved to optimality by {@link BarrierSolver}
 * (log barrier on {@code x_i > 0}, the equality eliminated in each Newton step), with {@code f}
 * divided by {@code max|A_ij|} so that the stopping gap {@code 1e-13} is relative: on return
 * {@code f(x) - f* <= 1e-13 max|A_ij|}; components below {@code 1e-10} are then set to 0 (the
 * barrier leaves them about {@code 1e-13} inside their bound). {@code f} is convex ({@code
 * sqrt(x^T A x)} is the norm {@code |G^T x|}); the {@code 1e-8} inside the root keeps it smooth.
 */
final class CaGradDual {

    private CaGradDual() {}

    /** The optimum: the weights {@code x} and {@code c}. */
    record Solution(double[] x, double c, int newtonSteps) {}

    /**
     * Solves the dual.
     *
     * @param gram the Gram matrix {@code G G^T} (projected onto the positive semidefinite cone if
     *     rounding left it indefinite)
     * @param alpha CAGrad's {@code c} hyper-parameter (the official code calls it alpha)
     * @return the minimiser and the scaled constant
     */
    static Solution solve(double[][] gram, double alpha) {
        // G G^T is positive semidefinite, but one computed in float32 from nearly opposite
        // gradients can come out slightly indefinite (a negative determinant of order 1e-7 has
        // been seen); then x^T A x + 1e-8 turns negative near the min-norm point and the barrier's
        // Newton system is indefinite. Solve with the nearest positive semidefinite matrix.
        double[][] a = SmallLinearAlgebra.nearestPositiveSemidefinite(gram);
        int k = a.length;
        double mean = 0;
        double max = 0;
        for (double[] row : a) {
            for (double v : row) {
                mean += v;
                max = Math.max(max, Math.abs(v));
            }
        }
        mean /= (double) k * k;
        double c = alpha * Math.sqrt(mean + 1e-8) + 1e-8;
        double[] uniform = new double[k];
        java.util.Arrays.fill(uniform, 1.0 / k);
        if (k == 1 || !(max > 0) || !Double.isFinite(max)) {
            return new Solution(k == 1 ? new double[] {1} : uniform, c, 0);
        }
        double[] ab = SmallLinearAlgebra.multiply(a, uniform);
        double scale = 1 / max;
        BarrierSolver.Problem p = new BarrierSolver.Problem() {
            @Override
            public int size() {
                return k;
            }

            @Override
            public int inequalities() {
                return k;
            }

            @Override
            public double objective(double[] x, double[] grad, double[][] hess) {
                double[] ax = SmallLinearAlgebra.multiply(a, x);
                double q = SmallLinearAlgebra.dot(x, ax) + 1e-8;
                double r = Math.sqrt(q);
                if (grad != null) {
                    for (int i = 0; i < k; i++) {
                        grad[i] = scale * (ab[i] + c * ax[i] / r);
                    }
                }
                if (hess != null) {
                    for (int i = 0; i < k; i++) {
                        for (int j = 0; j < k; j++) {
                            hess[i][j] = scale * c * (a[i][j] / r - ax[i] * ax[j] / (q * r));
                        }
                    }
                }
                return scale * (SmallLinearAlgebra.dot(x, ab) + c * r);
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
        double[][] eq = {TaskGradients.ones(k)};
        BarrierSolver.Result r = BarrierSolver.minimize(p, uniform, eq, new BarrierSolver.Options().gap(1e-13));
        // the barrier leaves the components at a bound about 1e-13 inside; set those to 0 (the
        // update divides by |G^T x| + 1e-8, which such residues can move when G^T x ~ 0)
        double[] x = r.x();
        double sum = 0;
        for (int i = 0; i < k; i++) {
            x[i] = x[i] < 1e-10 ? 0 : x[i];
            sum += x[i];
        }
        for (int i = 0; i < k; i++) {
            x[i] /= sum;
        }
        return new Solution(x, c, r.newtonSteps());
    }

    /**
     * The official objective, for tests.
     *
     * @param a the Gram matrix
     * @param c the scaled constant
     * @param x a point of the simplex
     * @return {@code f(x)}
     */
    static double objective(double[][] a, double c, double[] x) {
        int k = a.length;
        double[] b = new double[k];
        java.util.Arrays.fill(b, 1.0 / k);
        return SmallLinearAlgebra.dot(x, SmallLinearAlgebra.multiply(a, b))
                + c * Math.sqrt(SmallLinearAlgebra.quadratic(a, x) + 1e-8);
    }
}
