package dev.meta4j.weighting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.weighting.Combination;

/**
 * The few tensor operations the gradient-based methods need: the Gram matrix {@code G G^T} of
 * the task gradients (one matmul, read back as doubles) and the combination {@code sum_i w_i g_i}
 * (one matmul). Loss values and {@code [K]} weight vectors go through {@link LossVectors}, as for
 * the loss-based methods. Everything else runs on Java doubles.
 */
final class TaskGradients {

    private TaskGradients() {}

    /**
     * The symmetric Gram matrix of the rows of {@code g}.
     *
     * @param g the task gradients {@code [K, P]}
     * @return {@code G G^T} as doubles, symmetrised
     */
    static double[][] gram(NDArray g) {
        int k = Math.toIntExact(g.getShape().get(0));
        double[] flat;
        try (NDArray t = g.transpose();
                NDArray gg = g.matMul(t)) {
            flat = doubles(gg);
        }
        double[][] out = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j <= i; j++) {
                double v = i == j ? flat[i * k + i] : 0.5 * (flat[i * k + j] + flat[j * k + i]);
                out[i][j] = v;
                out[j][i] = v;
            }
        }
        return out;
    }

    /**
     * Reads a small array as doubles, whatever its floating-point type.
     *
     * @param a the array (detached or not)
     * @return its values
     */
    static double[] doubles(NDArray a) {
        if (a.getDataType() == DataType.FLOAT64) {
            return a.toDoubleArray();
        }
        if (a.getDataType() == DataType.FLOAT32) {
            float[] f = a.toFloatArray();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
        try (NDArray c = a.toType(DataType.FLOAT64, true)) {
            return c.toDoubleArray();
        }
    }

    /**
     * {@code sum_i w_i g_i}: one {@code [1, K] x [K, P]} product.
     *
     * @param w the weights
     * @param g the task gradients {@code [K, P]}
     * @param manager the step's manager, which owns the result
     * @return the combination {@code [P]}
     */
    static NDArray combine(double[] w, NDArray g, NDManager manager) {
        NDArray row = LossVectors.constant(manager, w, g.getDataType()).reshape(new Shape(1, w.length));
        return row.matMul(g).reshape(g.getShape().get(1));
    }

    /**
     * The objective {@code sum_i w_i l_i} with constant weights.
     *
     * @param losses the recorded losses
     * @param w the weights
     * @param manager the step's manager
     * @param maxSharedGradientNorm the clipping norm, 0 for none
     * @return the combination
     */
    static Combination objective(NDArray losses, double[] w, NDManager manager, double maxSharedGradientNorm) {
        NDArray weights = LossVectors.constant(manager, w, losses.getDataType());
        return new Combination.Objective(losses.mul(weights).sum(), weights, maxSharedGradientNorm);
    }

    /**
     * The shared gradient of a task-gradient method, or a clear error when the runtime did not
     * provide it.
     *
     * @param g the signal's shared gradients
     * @param method the method's name
     * @return {@code g}
     */
    static NDArray require(NDArray g, String method) {
        if (g == null) {
            throw new IllegalStateException(method + " needs the per-task gradients of the shared parameters, "
                    + "but the step provided none");
        }
        return g;
    }

    /** @return {@code n} ones */
    static double[] ones(int n) {
        double[] w = new double[n];
        java.util.Arrays.fill(w, 1.0);
        return w;
    }
}
