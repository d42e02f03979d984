package dev.meta4j.weighting;

import java.util.function.Predicate;

/**
 * A log-barrier interior-point method (Boyd &amp; Vandenberghe, <i>Convex Optimization</i>, 11.3)
 * for small smooth convex problems
 *
 * <pre>
 *   minimise f0(x)  subject to  f_i(x) &lt; 0 (i = 1..m),  a . x = b (at most one equality)
 * </pre>
 *
 * <p>started from a strictly feasible {@code x0} (which fixes {@code b}). For {@code t = t0,
 * mu t0, mu^2 t0, ...} it centres: damped Newton on {@code t f0(x) - sum_i log(-f_i(x))} with the
 * equality constraint eliminated (see {@link #newtonStep}), backtracking to stay strictly
 * feasible and for Armijo decrease. It stops when the duality gap bound {@code m / t} is below
 * {@link Options#gap}, so {@code f0(x) - f0* <= m / t} on return; scale {@code f0} so that this
 * absolute gap is meaningful. Every Newton system is {@code n x n} and is solved on Java
 * doubles.
 */
final class BarrierSolver {

    /** A convex problem. Implementations write gradients and Hessians, not add to them. */
    interface Problem {

        /** @return the number of variables {@code n} */
        int size();

        /** @return the number of inequality constraints {@code m} */
        int inequalities();

        /**
         * Whether {@code x} lies in the domain of the objective and every constraint function.
         *
         * @param x a point
         * @return true if every function can be evaluated there
         */
        default boolean inDomain(double[] x) {
            return true;
        }

        /**
         * The objective.
         *
         * @param x the point
         * @param grad where to write the gradient, or null
         * @param hess where to write the Hessian, or null
         * @return {@code f0(x)}
         */
        double objective(double[] x, double[] grad, double[][] hess);

        /**
         * Inequality constraint {@code i}, feasible where negative.
         *
         * @param i the constraint
         * @param x the point
         * @param grad where to write the gradient, or null
         * @param hess where to write the Hessian, or null (linear constraints may leave it)
         * @return {@code f_i(x)}
         */
        double constraint(int i, double[] x, double[] grad, double[][] hess);
    }

    /** Settings; the defaults suit objectives scaled to order one. */
    static final class Options {
        double gap = 1e-12;
        double t0 = 1;
        double mu = 20;
        int maxNewtonSteps = 2000;
        double divergence = 1e12;
        Predicate<double[]> stopWhen;

        Options gap(double g) {
            this.gap = g;
            return this;
        }

        Options stopWhen(Predicate<double[]> p) {
            this.stopWhen = p;
            return this;
        }
    }

    /**
     * The outcome.
     *
     * @param x the last iterate, strictly feasible
     * @param objective {@code f0(x)}
     * @param gap the bound {@code m / t} on {@code f0(x) - f0*} when converged
     * @param newtonSteps the Newton steps taken in all
     * @param status how it ended
     */
    record Result(double[] x, double objective, double gap, int newtonSteps, Status status) {}

    /** How a solve ended. */
    enum Status {
        /** The gap bound fell below the tolerance. */
        CONVERGED,
        /** {@link Options#stopWhen} accepted an iterate. */
        STOPPED,
        /** The iterates grew beyond {@link Options#divergence}: the problem is likely unbounded. */
        DIVERGED,
        /** The Newton step budget ran out. */
        BUDGET
    }

    private BarrierSolver() {}

    /**
     * Minimises from a strictly feasible point.
     *
     * @param p the problem
     * @param x0 a strictly feasible point ({@code f_i(x0) < 0}, in the domain); not modified
     * @param eq one equality constraint row {@code a} ({@code 1 x n}), or null
     * @param o settings
     * @return the result
     * @throws IllegalArgumentException if {@code x0} is not strictly feasible
     */
    static Result minimize(Problem p, double[] x0, double[][] eq, Options o) {
        int n = p.size();
        int m = p.inequalities();
        double[] x = x0.clone();
        if (!strictlyFeasible(p, x)) {
            throw new IllegalArgumentException("the starting point is not strictly feasible");
        }
        double scale0 = Math.max(1, SmallLinearAlgebra.norm(x));
        double t = o.t0;
        int steps = 0;
        double[] g = new double[n];
        double[][] h = new double[n][n];
        double[] gi = new double[n];
        double[][] hi = new double[n][n];
        while (true) {
            // centring
            for (int inner = 0; inner < 200; inner++) {
                if (o.stopWhen != null && o.stopWhen.test(x)) {
                    return new Result(x, p.objective(x, null, null), m / t, steps, Status.STOPPED);
                }
                if (steps >= o.maxNewtonSteps) {
                    return new Result(x, p.objective(x, null, null), m / t, steps, Status.BUDGET);
                }
                double phi = barrierValue(p, x, t, g, h, gi, hi, true);
                double[] dx = newtonStep(h, g, eq, x);
                double slope = SmallLinearAlgebra.dot(g, dx); // = -lambda^2
                if (!(slope < 0) || -slope / 2 <= 1e-15 * Math.max(1, Math.abs(phi))) {
                    break;
                }
                double s = 1;
                double[] trial = new double[n];
                boolean accepted = false;
                for (int k = 0; k < 200; k++) {
                    for (int i = 0; i < n; i++) {
                        trial[i] = x[i] + s * dx[i];
                    }
                    if (strictlyFeasible(p, trial)) {
                        double phiTrial = barrierValue(p, trial, t, null, null, null, null, false);
                        // Armijo, with slack for the rounding of phi near convergence
                        if (phiTrial <= phi + 0.01 * s * slope + 1e-13 * Math.abs(phi)) {
                            accepted = true;
                            break;
                        }
                    }
                    s *= 0.5;
                }
                steps++;
                if (!accepted) {
                    break;
                }
                System.arraycopy(trial, 0, x, 0, n);
                if (SmallLinearAlgebra.norm(x) > o.divergence * scale0) {
                    return new Result(x, p.objective(x, null, null), m / t, steps, Status.DIVERGED);
                }
            }
            if (m == 0 || m / t < o.gap) {
                return new Result(x, p.objective(x, null, null), m == 0 ? 0 : m / t, steps, Status.CONVERGED);
            }
            t *= o.mu;
        }
    }

    private static boolean strictlyFeasible(Problem p, double[] x) {
        for (double v : x) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        if (!p.inDomain(x)) {
            return false;
        }
        for (int i = 0; i < p.inequalities(); i++) {
            if (!(p.constraint(i, x, null, null) < 0)) {
                return false;
            }
        }
        return Double.isFinite(p.objective(x, null, null));
    }

    /** {@code t f0 - sum log(-f_i)}, with gradient and Hessian if asked. */
    private static double barrierValue(
            Problem p, double[] x, double t, double[] g, double[][] h, double[] gi, double[][] hi, boolean derivatives) {
        int n = x.length;
        double value;
        if (derivatives) {
            for (double[] row : h) {
                java.util.Arrays.fill(row, 0);
            }
            value = t * p.objective(x, g, h);
            for (int i = 0; i < n; i++) {
                g[i] *= t;
                for (int j = 0; j < n; j++) {
                    h[i][j] *= t;
                }
            }
        } else {
            value = t * p.objective(x, null, null);
        }
        for (int c = 0; c < p.inequalities(); c++) {
            if (!derivatives) {
                value -= StrictMath.log(-p.constraint(c, x, null, null));
                continue;
            }
            for (double[] row : hi) {
                java.util.Arrays.fill(row, 0);
            }
            double f = p.constraint(c, x, gi, hi);
            double inv = -1 / f; // > 0
            value -= StrictMath.log(-f);
            for (int i = 0; i < n; i++) {
                g[i] += inv * gi[i];
                for (int j = 0; j < n; j++) {
                    h[i][j] += inv * inv * gi[i] * gi[j] + inv * hi[i][j];
                }
            }
        }
        return value;
    }

    /**
     * The Newton step {@code dx} with {@code A dx = 0} for at most one equality row {@code a}: the
     * row is eliminated through the variable {@code p} with the largest {@code |a_p x_p|} ({@code
     * dx = Z dy}, {@code Z} = identity without column {@code p}, row {@code p} = {@code -a_j /
     * a_p}), and {@code Z^T H Z dy = -Z^T g} is solved. Eliminating through the largest variable
     * keeps the step accurate when the other variables sit at {@code 1e-13} of their bounds with
     * barrier curvatures of {@code 1e26}: the rounding of the large gradient entries is then
     * divided by those curvatures instead of landing on the flat direction of the large
     * variable, as a KKT/Schur-complement solve would let it.
     */
    private static double[] newtonStep(double[][] h, double[] g, double[][] eq, double[] x) {
        int n = g.length;
        if (eq == null || eq.length == 0) {
            double[][] rhs = new double[n][1];
            for (int i = 0; i < n; i++) {
                rhs[i][0] = -g[i];
            }
            double[][] sol = SmallLinearAlgebra.solveSpd(h, rhs);
            double[] dx = new double[n];
            for (int i = 0; i < n; i++) {
                dx[i] = sol[i][0];
            }
            return dx;
        }
        if (eq.length > 1) {
            throw new IllegalArgumentException("at most one equality constraint is supported");
        }
        double[] a = eq[0];
        int p = -1;
        for (int i = 0; i < n; i++) {
            if (a[i] != 0 && (p < 0 || Math.abs(a[i] * x[i]) > Math.abs(a[p] * x[p]))) {
                p = i;
            }
        }
        int[] free = new int[n - 1];
        for (int i = 0, c = 0; i < n; i++) {
            if (i != p) {
                free[c++] = i;
            }
        }
        int m = n - 1;
        double[] zp = new double[m]; // row p of Z
        for (int c = 0; c < m; c++) {
            zp[c] = -a[free[c]] / a[p];
        }
        double[][] rh = new double[m][m];
        double[][] rg = new double[m][1];
        for (int r = 0; r < m; r++) {
            int i = free[r];
            rg[r][0] = -(g[i] + zp[r] * g[p]);
            for (int c = 0; c < m; c++) {
                int j = free[c];
                rh[r][c] = h[i][j] + zp[c] * h[i][p] + zp[r] * h[p][j] + zp[r] * zp[c] * h[p][p];
            }
        }
        double[][] dy = SmallLinearAlgebra.solveSpd(rh, rg);
        double[] dx = new double[n];
        for (int c = 0; c < m; c++) {
            dx[free[c]] = dy[c][0];
            dx[p] += zp[c] * dy[c][0];
        }
        return dx;
    }
}
