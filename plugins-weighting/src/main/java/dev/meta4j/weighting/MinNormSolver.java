package dev.meta4j.weighting;

/**
 * The two iterative min-norm solvers of Sener &amp; Koltun's (2018) official {@code MinNormSolver}
 * (also in the FAMO and Nash-MTL repositories), on the Gram matrix only; {@link ExactMinNorm} is
 * the exact solver that {@link Mgda} uses by default. Both start from the best pair (the exact
 * two-vector solution with the smallest norm) and stop when the L1 change of the weights is below
 * a tolerance.
 *
 * <ul>
 *   <li>{@link #projectedGradient} is {@code find_min_norm_element}, the solver that the official
 *       MGDA code calls: a step along the negative gradient projected on the hyperplane {@code
 *       sum w = 1}, as long as the first weight reaches a bound, then Euclidean projection onto
 *       the simplex, then an exact line search between the old and the new point.
 *   <li>{@link #frankWolfe} is {@code find_min_norm_element_FW}: move towards the vertex with the
 *       smallest inner product with the current point, with an exact line search. Frank-Wolfe
 *       converges like {@code O(1/t)}.
 * </ul>
 *
 * <p>Deliberate differences from the official code, the same for both: (1) the two-vector
 * solution is clipped exactly at 1 and 0 (the official code returns 0.999 and 0.001 there, which
 * keeps the iteration moving at the optimum); this matches the team's reference {@code
 * mtl_weighting.py}. (2) The iteration cap is enforced: the official loops never increment their
 * counter, so their {@code MAX_ITER = 250} never stops them. Otherwise each follows its official
 * counterpart step by step, including what it returns when it stops: Frank-Wolfe's last point,
 * the projected gradient's point before the last (sub-tolerance) step. With the defaults (250
 * iterations, tolerance {@code 1e-5}) both usually stop within about {@code 1e-6} of the largest
 * squared norm from the optimum, but on badly scaled problems (gradient norms over several orders
 * of magnitude, as loss normalisation makes them) they can stop much farther away.
 */
final class MinNormSolver {

    private MinNormSolver() {}

    /**
     * The result.
     *
     * @param weights the convex weights {@code alpha} (non-negative, summing to 1)
     * @param iterations the iterations used (0 for K &le; 2)
     */
    record Solution(double[] weights, int iterations) {}

    /**
     * Frank-Wolfe from the best pair ({@code find_min_norm_element_FW}).
     *
     * @param gram the {@code K x K} Gram matrix of the vectors
     * @param maxIterations the iteration cap (250 in the official code, where it is never reached)
     * @param tolerance stop when the L1 change of the weights is below this (1e-5 officially)
     * @return the weights
     */
    static Solution frankWolfe(double[][] gram, int maxIterations, double tolerance) {
        int k = gram.length;
        double[] x = bestPair(gram);
        if (k <= 2) {
            return new Solution(x, 0);
        }
        int it = 0;
        double[] gx = new double[k];
        while (it < maxIterations) {
            it++;
            int t = 0;
            for (int i = 0; i < k; i++) {
                double v = 0;
                for (int j = 0; j < k; j++) {
                    v += gram[i][j] * x[j];
                }
                gx[i] = v;
                if (v < gx[t]) {
                    t = i;
                }
            }
            double v1v1 = SmallLinearAlgebra.dot(x, gx);
            double v1v2 = gx[t];
            double v2v2 = gram[t][t];
            double c = pair(v1v1, v1v2, v2v2)[0];
            double change = 0;
            for (int i = 0; i < k; i++) {
                double nx = c * x[i] + (i == t ? 1 - c : 0);
                change += Math.abs(nx - x[i]);
                x[i] = nx;
            }
            if (change < tolerance) {
                break;
            }
        }
        return new Solution(x, it);
    }

    /**
     * Projected gradient descent from the best pair ({@code find_min_norm_element}).
     *
     * @param gram the {@code K x K} Gram matrix of the vectors
     * @param maxIterations the iteration cap (250 in the official code, where it is never reached)
     * @param tolerance stop when the L1 change of the weights is below this (1e-5 officially)
     * @return the weights
     */
    static Solution projectedGradient(double[][] gram, int maxIterations, double tolerance) {
        int k = gram.length;
        double[] x = bestPair(gram);
        if (k <= 2) {
            return new Solution(x, 0);
        }
        int it = 0;
        while (it < maxIterations) {
            it++;
            double[] gx = SmallLinearAlgebra.multiply(gram, x);
            double[] descent = new double[k];
            for (int i = 0; i < k; i++) {
                descent[i] = -gx[i];
            }
            double[] next = nextPoint(x, descent);
            double[] gn = SmallLinearAlgebra.multiply(gram, next);
            double c = pair(SmallLinearAlgebra.dot(x, gx), SmallLinearAlgebra.dot(x, gn), SmallLinearAlgebra.dot(next, gn))[0];
            double[] moved = new double[k];
            double change = 0;
            for (int i = 0; i < k; i++) {
                moved[i] = c * x[i] + (1 - c) * next[i];
                change += Math.abs(moved[i] - x[i]);
            }
            if (change < tolerance) {
                break; // the official code returns the point before this step
            }
            x = moved;
        }
        return new Solution(x, it);
    }

    /**
     * The official {@code _next_point}: the direction {@code d} with its mean removed (so that the
     * step stays on {@code sum w = 1}), a step of length {@code t} up to the first weight reaching 0
     * or 1 (bounds closer than {@code 1e-7} are ignored, and {@code t} is at most 1 when no weight
     * heads for 0), then the projection onto the simplex.
     */
    static double[] nextPoint(double[] x, double[] d) {
        int k = x.length;
        double mean = 0;
        for (double v : d) {
            mean += v;
        }
        mean /= k;
        double[] p = new double[k];
        double toZero = Double.POSITIVE_INFINITY;
        double toOne = Double.POSITIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            p[i] = d[i] - mean;
            if (p[i] < 0 && -x[i] / p[i] > 1e-7) {
                toZero = Math.min(toZero, -x[i] / p[i]);
            } else if (p[i] > 0 && (1 - x[i]) / p[i] > 1e-7) {
                toOne = Math.min(toOne, (1 - x[i]) / p[i]);
            }
        }
        // as officially: 1 caps the step only when no weight is heading for 0
        double t = Math.min(toZero == Double.POSITIVE_INFINITY ? 1 : toZero, toOne);
        double[] y = new double[k];
        for (int i = 0; i < k; i++) {
            y[i] = x[i] + t * p[i];
        }
        return projectOnSimplex(y);
    }

    /**
     * The official {@code _projection2simplex}: {@code max(y - tau, 0)} with the threshold {@code
     * tau} found from the entries in decreasing order.
     */
    static double[] projectOnSimplex(double[] y) {
        int k = y.length;
        double[] sorted = y.clone();
        java.util.Arrays.sort(sorted);
        double sum = 0;
        for (double v : y) {
            sum += v;
        }
        double tau = (sum - 1) / k;
        double partial = 0;
        for (int i = 0; i < k - 1; i++) {
            partial += sorted[k - 1 - i];
            double candidate = (partial - 1) / (i + 1);
            if (candidate > sorted[k - 2 - i]) {
                tau = candidate;
                break;
            }
        }
        double[] z = new double[k];
        for (int i = 0; i < k; i++) {
            z[i] = Math.max(y[i] - tau, 0);
        }
        return z;
    }

    /** The start of both solvers: the pair of vectors whose min-norm segment point is smallest (first such pair). */
    private static double[] bestPair(double[][] gram) {
        int k = gram.length;
        double[] x = new double[k];
        if (k == 1) {
            x[0] = 1;
            return x;
        }
        double best = Double.POSITIVE_INFINITY;
        int bi = 0;
        int bj = 1;
        double bc = 1;
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                double[] cv = pair(gram[i][i], gram[i][j], gram[j][j]);
                if (cv[1] < best) {
                    best = cv[1];
                    bi = i;
                    bj = j;
                    bc = cv[0];
                }
            }
        }
        x[bi] = bc;
        x[bj] = 1 - bc;
        return x;
    }

    /**
     * {@code argmin_{c in [0, 1]} |c v1 + (1 - c) v2|^2} from the inner products.
     *
     * @return {c, the squared norm there}
     */
    static double[] pair(double v1v1, double v1v2, double v2v2) {
        if (v1v2 >= v1v1) {
            return new double[] {1, v1v1};
        }
        if (v1v2 >= v2v2) {
            return new double[] {0, v2v2};
        }
        double c = (v2v2 - v1v2) / (v1v1 + v2v2 - 2 * v1v2); // denominator > 0 here
        return new double[] {c, v2v2 + c * (v1v2 - v2v2)};
    }
}
