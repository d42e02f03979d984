package dev.meta4j.weighting;

import java.util.ArrayList;
import java.util.List;

/**
 * The minimum-norm point of the convex hull of K vectors, solved exactly from their Gram matrix
 * {@code M}: {@code min w^T M w} over the simplex {@code w >= 0, sum w = 1}. This is Wolfe's
 * (1976) active-set algorithm for the nearest point of a polytope, written on inner products. A
 * support set {@code S} of affinely independent vertices holds the current point, which is the
 * minimiser of {@code |sum_S w_i g_i|} over the affine hull of {@code S} (one bordered linear
 * system, solved with pivoting and one refinement step). The vertex that lowers the norm most is
 * added while one does; whenever the affine minimiser leaves the simplex, the point moves towards
 * it until a weight reaches 0 and that vertex is dropped. Every step lowers the norm strictly, so
 * the algorithm ends after finitely many steps at a point that satisfies the optimality
 * conditions {@code (M w)_j >= w^T M w} for every {@code j} to rounding. The result is the exact
 * optimum to working precision: against 50-digit optima of the golden cases, badly scaled ones
 * included, the value was off by at most {@code 2e-14} relative to the optimum itself ({@code
 * 5e-16} relative to the largest squared norm) and the weights by {@code 1e-14}. The iterative
 * solvers of the official code are in {@link MinNormSolver}.
 *
 * <p><b>Which optimum, when it is not unique.</b> The min-norm point {@code u* = sum_i w_i g_i}
 * is always unique; the weights are not when vertices repeat. Rules, all independent of
 * rounding:
 *
 * <ol>
 *   <li>Rows that are the same vector, a squared distance {@code M_ii + M_jj - 2 M_ij} of at most
 *       {@value #DUPLICATE_TOLERANCE} times the larger squared norm, are one vertex. The lowest
 *       index of such a group gets its whole weight, the others get 0.
 *   <li>The first vertex is the one of smallest norm, the vertex added is the one with the
 *       smallest {@code (M w)_j}. A tie, within {@code 1e-12} relative to the sizes of the terms
 *       that were summed, goes to the lowest index.
 * </ol>
 *
 * Beyond duplicates, weights are not unique only when the optimal face holds affinely dependent
 * vertices (four coplanar gradients around the optimum, say); the support then stays affinely
 * independent and is the one these rules reach. The Gram matrix is scaled by its largest
 * diagonal entry first, so the tolerances do not depend on the units of the gradients.
 */
final class ExactMinNorm {

    /** Rows closer than this, in squared distance relative to the larger squared norm, are one vertex. */
    static final double DUPLICATE_TOLERANCE = 1e-10;

    /** Relative size of a tie and of the smallest improvement, against the rounding of the sums. */
    private static final double TIE = 1e-12;

    private ExactMinNorm() {}

    /**
     * The result.
     *
     * @param weights the convex weights (non-negative, summing to 1)
     * @param value {@code w^T M w}, the squared norm of the min-norm point
     * @param steps the support changes made (additions and drops)
     */
    record Solution(double[] weights, double value, int steps) {}

    /**
     * Finds the min-norm point.
     *
     * @param gram the {@code K x K} Gram matrix (symmetric, positive semidefinite, finite)
     * @return the weights
     * @throws IllegalArgumentException if the matrix is not square or has a non-finite entry
     */
    static Solution solve(double[][] gram) {
        int k = gram.length;
        double scale = 0;
        for (int i = 0; i < k; i++) {
            if (gram[i].length != k) {
                throw new IllegalArgumentException("the Gram matrix must be square, row " + i + " has "
                        + gram[i].length + " entries for " + k + " rows");
            }
            for (double v : gram[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("the Gram matrix of the task gradients has a non-finite entry, " + v
                            + ": a task gradient is NaN or infinite (a diverged loss?)");
                }
            }
            scale = Math.max(scale, gram[i][i]);
        }
        double[] w = new double[k];
        if (k == 0) {
            return new Solution(w, 0, 0);
        }
        if (scale <= 0) { // every vector is 0: the lowest index takes it all
            w[0] = 1;
            return new Solution(w, 0, 0);
        }
        double[][] a = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                a[i][j] = gram[i][j] / scale;
            }
        }
        boolean[] vertex = distinctVertices(a);
        int steps = wolfe(a, vertex, w);
        return new Solution(w, SmallLinearAlgebra.quadratic(gram, w), steps);
    }

    /** {@code vertex[i]}: row {@code i} is not a duplicate of a lower-index row. */
    static boolean[] distinctVertices(double[][] a) {
        int k = a.length;
        boolean[] vertex = new boolean[k];
        for (int j = 0; j < k; j++) {
            vertex[j] = true;
            for (int i = 0; i < j && vertex[j]; i++) {
                if (vertex[i]) {
                    double distance = a[i][i] + a[j][j] - 2 * a[i][j];
                    vertex[j] = distance > DUPLICATE_TOLERANCE * Math.max(a[i][i], a[j][j]);
                }
            }
        }
        return vertex;
    }

    /**
     * Wolfe's major and minor cycles on the scaled Gram matrix; writes the weights into {@code w}.
     *
     * @return the number of support changes
     */
    private static int wolfe(double[][] a, boolean[] vertex, double[] w) {
        int k = a.length;
        int first = -1;
        for (int i = 0; i < k; i++) {
            if (vertex[i] && (first < 0 || a[i][i] < a[first][first] - TIE * (a[i][i] + a[first][first]))) {
                first = i;
            }
        }
        List<Integer> support = new ArrayList<>(List.of(first));
        w[first] = 1;
        int steps = 0;
        // Wolfe's method is finite; the cap only guards against rounding making it cycle.
        int cap = 50 * k + 100;
        while (steps < cap) {
            double[] v = new double[k];
            double[] size = new double[k]; // sum_l |a_jl w_l|: the scale of v_j's rounding error
            for (int j = 0; j < k; j++) {
                for (int l : support) {
                    v[j] += a[j][l] * w[l];
                    size[j] += Math.abs(a[j][l] * w[l]);
                }
            }
            double value = 0;
            double valueSize = 0;
            for (int l : support) {
                value += w[l] * v[l];
                valueSize += w[l] * size[l];
            }
            int enter = entering(v, size, value, valueSize, vertex, support);
            if (enter < 0) {
                break;
            }
            double[] before = w.clone();
            List<Integer> supportBefore = new ArrayList<>(support);
            support.add(enter);
            steps++;
            steps += minorCycles(a, support, w);
            if (!(SmallLinearAlgebra.quadratic(a, w) < value)) { // rounding stalled the descent: keep the last point
                System.arraycopy(before, 0, w, 0, k);
                support.clear();
                support.addAll(supportBefore);
                break;
            }
        }
        double sum = 0;
        for (int i = 0; i < k; i++) {
            w[i] = Math.max(w[i], 0);
            sum += w[i];
        }
        for (int i = 0; i < k; i++) {
            w[i] /= sum;
        }
        return steps;
    }

    /**
     * The vertex to add: the smallest {@code v_j} that lowers the norm by more than rounding, ties
     * to the lowest index; -1 when none does (the optimum).
     */
    private static int entering(double[] v, double[] size, double value, double valueSize, boolean[] vertex,
            List<Integer> support) {
        int best = -1;
        for (int j = 0; j < v.length; j++) {
            if (!vertex[j] || support.contains(j)) {
                continue;
            }
            if (!(v[j] < value - TIE * (size[j] + valueSize))) {
                continue;
            }
            if (best < 0 || v[j] < v[best] - TIE * (size[j] + size[best])) {
                best = j;
            }
        }
        return best;
    }

    /**
     * Moves {@code w} to the affine minimiser of the support, dropping the vertices whose weight
     * would turn negative on the way.
     *
     * @return the number of vertices dropped
     */
    private static int minorCycles(double[][] a, List<Integer> support, double[] w) {
        int dropped = 0;
        while (true) {
            double[] y = affineMinimizer(a, support);
            if (y == null) { // affinely dependent to working precision: no better point on this support
                return dropped;
            }
            boolean inside = true;
            for (double yi : y) {
                inside &= yi > 0;
            }
            if (inside) {
                for (int s = 0; s < y.length; s++) {
                    w[support.get(s)] = y[s];
                }
                return dropped;
            }
            double theta = 1;
            for (int s = 0; s < y.length; s++) {
                double x = w[support.get(s)];
                if (y[s] <= 0) {
                    theta = Math.min(theta, x / (x - y[s]));
                }
            }
            List<Integer> keep = new ArrayList<>();
            for (int s = 0; s < y.length; s++) {
                int i = support.get(s);
                double x = w[i];
                double moved = x + theta * (y[s] - x);
                boolean hits = y[s] <= 0 && x / (x - y[s]) <= theta;
                if (hits || moved <= 0) {
                    w[i] = 0;
                    dropped++;
                } else {
                    w[i] = moved;
                    keep.add(i);
                }
            }
            support.clear();
            support.addAll(keep);
        }
    }

    /**
     * {@code argmin |sum_S y_s g_s|^2} subject to {@code sum y = 1}: the system {@code [M_SS, -1;
     * 1^T, 0] [y; mu] = [0; 1]}.
     *
     * @return {@code y} in the order of {@code support}, or null if the system is singular
     */
    private static double[] affineMinimizer(double[][] a, List<Integer> support) {
        int s = support.size();
        double[][] b = new double[s + 1][s + 1];
        double[] rhs = new double[s + 1];
        for (int p = 0; p < s; p++) {
            for (int q = 0; q < s; q++) {
                b[p][q] = a[support.get(p)][support.get(q)];
            }
            b[p][s] = -1;
            b[s][p] = 1;
        }
        rhs[s] = 1;
        double[] x = SmallLinearAlgebra.solve(b, rhs);
        if (x == null) {
            return null;
        }
        double[] y = new double[s];
        System.arraycopy(x, 0, y, 0, s);
        return y;
    }
}
