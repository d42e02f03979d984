package dev.meta4j.weighting;

/**
 * Nash-MTL's weights: the bargaining solution {@code alpha_i (G G^T alpha)_i = 1}, found the way
 * the official code does (Navon et al. 2022, {@code NashMTL.solve_optimization}): a sequence of
 * convex problems (concave-convex procedure) on {@code Gn = G G^T / nf}, {@code nf = |G
 * G^T|_F}. Iteration {@code t} linearises the concave {@code phi(a) = sum_i log a_i + log (Gn
 * a)_i} at {@code a_t} and solves
 *
 * <pre>
 *   minimise  sum(Gn a) + phi'(a_t) (a - a_t) / nf
 *   subject to  -log(a_i nf) - log((Gn a)_i) &lt;= 0,  a &gt;= 0
 * </pre>
 *
 * <p>with the official stop rules: stop, keeping {@code a_t}, when the sub-problem fails
 * (infeasible or unbounded: cvxpy then leaves no value), when {@code |Gn a_t - 1/(a_t + 1e-10)| <
 * 1e-3}, or when the new solution moved less than {@code 1e-6} from {@code a_t}; at most {@code
 * optim_niter} iterations; the start is the previous step's {@code alpha}.
 *
 * <p>Each sub-problem is solved by {@link BarrierSolver} in the variables {@code beta = a
 * sqrt(nf)} (so that the constraint reads {@code beta_i (Gn beta)_i >= 1} and {@code beta} is of
 * order one), with the objective divided by its largest coefficient and a duality gap below
 * {@code 1e-12}. The official ECOS call needs no feasible start; the barrier does, so a phase-I
 * problem first finds {@code beta > 0} with {@code Gn beta > 0} (an LP, also by the barrier:
 * maximise {@code s} subject to {@code Gn a >= s}, {@code a >= s}, {@code sum a = 1};
 * infeasible when {@code s <= 1e-9}), scaled until the constraint holds strictly. Unboundedness
 * is decided exactly too: the feasible set recedes along {@code {d >= 0, Gn d >= 0}}, so the
 * linear objective is unbounded iff the LP {@code min cost.d} over those {@code d} with {@code sum
 * d = 1} is negative (below {@code -1e-9}).
 */
final class NashBargainingSolver {

    private NashBargainingSolver() {}

    /**
     * The outcome of one solve.
     *
     * @param alpha the weights
     * @param iterations sub-problems attempted
     */
    record Solution(double[] alpha, int iterations) {}

    /**
     * Runs the official sequence.
     *
     * @param gram the raw Gram matrix {@code G G^T}
     * @param previous the previous weights (the warm start), not modified
     * @param maxIterations {@code optim_niter}
     * @return the new weights (the previous ones when nothing could be solved)
     */
    static Solution solve(double[][] gram, double[] previous, int maxIterations) {
        int k = gram.length;
        double nf = 0;
        for (double[] row : gram) {
            for (double v : row) {
                nf += v * v;
            }
        }
        nf = Math.sqrt(nf);
        double[] alphaT = previous.clone();
        if (!(nf > 0) || !Double.isFinite(nf)) {
            return new Solution(alphaT, 0);
        }
        double[][] gn = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                gn[i][j] = gram[i][j] / nf;
            }
        }
        int it = 0;
        while (it < maxIterations) {
            it++;
            if (bargainingResidual(gn, alphaT) < 1e-3) {
                break; // the official loop would discard this iteration's solution
            }
            double[] next = subproblem(gn, nf, alphaT);
            if (next == null) {
                break;
            }
            double change = 0;
            for (int i = 0; i < k; i++) {
                change += (next[i] - alphaT[i]) * (next[i] - alphaT[i]);
            }
            if (Math.sqrt(change) < 1e-6) {
                break;
            }
            alphaT = next;
        }
        return new Solution(alphaT, it);
    }

    /** {@code |Gn a - 1/(a + 1e-10)|}, the official first stop criterion (on the normalised Gn). */
    static double bargainingResidual(double[][] gn, double[] a) {
        double[] ga = SmallLinearAlgebra.multiply(gn, a);
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = ga[i] - 1 / (a[i] + 1e-10);
            s += d * d;
        }
        return Math.sqrt(s);
    }

    /**
     * One convex sub-problem, linearised at {@code ap}.
     *
     * @return its solution {@code a}, or null if it is infeasible, unbounded or undefined
     */
    static double[] subproblem(double[][] gn, double nf, double[] ap) {
        int k = ap.length;
        double[] gap = SmallLinearAlgebra.multiply(gn, ap);
        double[] inv = new double[k];
        for (int i = 0; i < k; i++) {
            if (gap[i] == 0 || ap[i] == 0 || !Double.isFinite(gap[i]) || !Double.isFinite(ap[i])) {
                return null; // 1/0 in the linearisation: the official cvxpy call fails
            }
            inv[i] = 1 / gap[i];
        }
        double[] gInv = SmallLinearAlgebra.multiply(gn, inv); // (1 / Gn a_p) @ Gn, Gn symmetric
        double[] cost = new double[k];
        double cmax = 0;
        for (int j = 0; j < k; j++) {
            double col = 0;
            for (int i = 0; i < k; i++) {
                col += gn[i][j];
            }
            cost[j] = col + (1 / ap[j] + gInv[j]) / nf;
            cmax = Math.max(cmax, Math.abs(cost[j]));
        }
        if (!(cmax > 0) || !Double.isFinite(cmax)) {
            return null;
        }
        for (int j = 0; j < k; j++) {
            cost[j] /= cmax;
        }
        double sqrtNf = Math.sqrt(nf);
        double[] beta = new double[k];
        for (int i = 0; i < k; i++) {
            beta[i] = ap[i] * sqrtNf;
        }
        double[] start = strictlyFeasible(gn, beta);
        if (start == null) {
            start = strictlyFeasible(gn, phaseOne(gn));
            if (start == null) {
                return null;
            }
        }
        boolean positive = true;
        for (double v : cost) {
            positive &= v > 0;
        }
        if (!positive && unbounded(gn, cost, start)) { // cost > 0 bounds cost.d over d >= 0 at once
            return null;
        }
        BarrierSolver.Result r = BarrierSolver.minimize(new Main(gn, cost), start, null, new BarrierSolver.Options());
        if (r.status() == BarrierSolver.Status.DIVERGED) {
            return null;
        }
        double[] a = r.x();
        for (int i = 0; i < k; i++) {
            a[i] /= sqrtNf;
        }
        return a;
    }

    /** {@code beta} scaled so that {@code beta_i (Gn beta)_i >= 2}, if it is positive with Gn beta positive. */
    private static double[] strictlyFeasible(double[][] gn, double[] beta) {
        if (beta == null) {
            return null;
        }
        double[] gb = SmallLinearAlgebra.multiply(gn, beta);
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < beta.length; i++) {
            if (!(beta[i] > 0) || !(gb[i] > 0)) {
                return null;
            }
            min = Math.min(min, beta[i] * gb[i]);
        }
        if (min > 1 + 1e-9) {
            return beta.clone();
        }
        double s = Math.sqrt(2 / min);
        double[] out = new double[beta.length];
        for (int i = 0; i < beta.length; i++) {
            out[i] = beta[i] * s;
        }
        return Double.isFinite(s) ? out : null;
    }

    /** A point {@code a > 0} (summing to 1) with {@code Gn a > 0}, or null if there is none. */
    static double[] phaseOne(double[][] gn) {
        int k = gn.length;
        // variables (a_1..a_K, s): minimise -s subject to s - a_i < 0, s - (Gn a)_i < 0, sum a = 1
        BarrierSolver.Problem p = new BarrierSolver.Problem() {
            @Override
            public int size() {
                return k + 1;
            }

            @Override
            public int inequalities() {
                return 2 * k;
            }

            @Override
            public double objective(double[] z, double[] grad, double[][] hess) {
                if (grad != null) {
                    java.util.Arrays.fill(grad, 0);
                    grad[k] = -1;
                }
                return -z[k];
            }

            @Override
            public double constraint(int c, double[] z, double[] grad, double[][] hess) {
                if (grad != null) {
                    java.util.Arrays.fill(grad, 0);
                    grad[k] = 1;
                }
                if (c < k) {
                    if (grad != null) {
                        grad[c] = -1;
                    }
                    return z[k] - z[c];
                }
                int i = c - k;
                double v = z[k];
                for (int j = 0; j < k; j++) {
                    v -= gn[i][j] * z[j];
                    if (grad != null) {
                        grad[j] = -gn[i][j];
                    }
                }
                return v;
            }
        };
        double[] z = new double[k + 1];
        java.util.Arrays.fill(z, 0, k, 1.0 / k);
        double[] ga = SmallLinearAlgebra.multiply(gn, java.util.Arrays.copyOf(z, k));
        double min = 1.0 / k;
        for (double v : ga) {
            min = Math.min(min, v);
        }
        z[k] = min - 1;
        double[] eqRow = new double[k + 1];
        java.util.Arrays.fill(eqRow, 0, k, 1.0);
        BarrierSolver.Result r = BarrierSolver.minimize(p, z, new double[][] {eqRow},
                new BarrierSolver.Options().stopWhen(x -> x[k] > 1e-6));
        if (!(r.x()[k] > 1e-9)) {
            return null;
        }
        return java.util.Arrays.copyOf(r.x(), k);
    }

    /** Whether {@code min cost.d} over {@code d >= 0, Gn d >= 0, sum d = 1} is negative. */
    static boolean unbounded(double[][] gn, double[] cost, double[] feasible) {
        int k = gn.length;
        BarrierSolver.Problem p = new BarrierSolver.Problem() {
            @Override
            public int size() {
                return k;
            }

            @Override
            public int inequalities() {
                return 2 * k;
            }

            @Override
            public double objective(double[] d, double[] grad, double[][] hess) {
                if (grad != null) {
                    System.arraycopy(cost, 0, grad, 0, k);
                }
                return SmallLinearAlgebra.dot(cost, d);
            }

            @Override
            public double constraint(int c, double[] d, double[] grad, double[][] hess) {
                if (grad != null) {
                    java.util.Arrays.fill(grad, 0);
                }
                if (c < k) {
                    if (grad != null) {
                        grad[c] = -1;
                    }
                    return -d[c];
                }
                int i = c - k;
                double v = 0;
                for (int j = 0; j < k; j++) {
                    v -= gn[i][j] * d[j];
                    if (grad != null) {
                        grad[j] = -gn[i][j];
                    }
                }
                return v;
            }
        };
        double sum = 0;
        for (double v : feasible) {
            sum += v;
        }
        double[] d0 = new double[k];
        for (int i = 0; i < k; i++) {
            d0[i] = feasible[i] / sum;
        }
        double[][] eq = {TaskGradients.ones(k)};
        BarrierSolver.Result r = BarrierSolver.minimize(p, d0, eq,
                new BarrierSolver.Options().stopWhen(d -> SmallLinearAlgebra.dot(cost, d) < -1e-8));
        return r.objective() < -1e-9;
    }

    /** The sub-problem in {@code beta}: minimise cost.beta s.t. -log beta_i - log (Gn beta)_i <= 0. */
    private record Main(double[][] gn, double[] cost) implements BarrierSolver.Problem {
        @Override
        public int size() {
            return cost.length;
        }

        @Override
        public int inequalities() {
            return cost.length;
        }

        @Override
        public boolean inDomain(double[] b) {
            double[] gb = SmallLinearAlgebra.multiply(gn, b);
            for (int i = 0; i < b.length; i++) {
                if (!(b[i] > 0) || !(gb[i] > 0)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public double objective(double[] b, double[] grad, double[][] hess) {
            if (grad != null) {
                System.arraycopy(cost, 0, grad, 0, cost.length);
            }
            return SmallLinearAlgebra.dot(cost, b);
        }

        @Override
        public double constraint(int i, double[] b, double[] grad, double[][] hess) {
            int k = b.length;
            double gbi = 0;
            for (int j = 0; j < k; j++) {
                gbi += gn[i][j] * b[j];
            }
            if (grad != null) {
                for (int j = 0; j < k; j++) {
                    grad[j] = -gn[i][j] / gbi;
                }
                grad[i] -= 1 / b[i];
            }
            if (hess != null) {
                for (int j = 0; j < k; j++) {
                    for (int l = 0; l < k; l++) {
                        hess[j][l] = gn[i][j] * gn[i][l] / (gbi * gbi);
                    }
                }
                hess[i][i] += 1 / (b[i] * b[i]);
            }
            return -StrictMath.log(b[i]) - StrictMath.log(gbi);
        }
    }
}
