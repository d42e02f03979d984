package dev.meta4j.weighting;

/**
 * The minimum-norm point of the convex hull of K vectors, from their Gram matrix only: Sener &amp;
 * Koltun's (2018) {@code MinNormSolver.find_min_norm_element_FW}. Start from the best pair (the
 * exact two-vector solution with the smallest norm), then Frank-Wolfe: move towards the vertex
 * with the smallest inner product with the current point, with an exact line search, until the
 * L1 change of the weights is below a tolerance or an iteration cap is reached.
 *
 * <p>One deliberate difference from the official code: the two-vector solution is clipped
 * exactly at 1 and 0 (the official code returns 0.999 and 0.001 there, which keeps a Frank-Wolfe
 * step moving at the optimum); this matches the team's reference {@code mtl_weighting.py}.
 * Frank-Wolfe converges like {@code O(1/t)}: the returned squared norm is within about {@code
 * 1e-6} (relative to the largest squared gradient norm) of the optimum with the defaults.
 */
final class MinNormSolver {

    private MinNormSolver() {}

    /**
     * The result.
     *
     * @param weights the convex weights {@code alpha} (non-negative, summing to 1)
     * @param iterations the Frank-Wolfe iterations used (0 for K &le; 2)
     */
    record Solution(double[] weights, int iterations) {}

    /**
     * Finds the min-norm point.
     *
     * @param gram the {@code K x K} Gram matrix of the vectors
     * @param maxIterations the Frank-Wolfe iteration cap (250 in the official code)
     * @param tolerance stop when the L1 change of the weights is below this (1e-5 officially)
     * @return the weights
     */
    static Solution solve(double[][] gram, int maxIterations, double tolerance) {
        int k = gram.length;
        double[] x = new double[k];
        if (k == 1) {
            x[0] = 1;
            return new Solution(x, 0);
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
        if (k == 2) {
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
