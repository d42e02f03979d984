package dev.meta4j.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.autograd.Scalar;

/**
 * Bilinear upsampling by 2 with aligned corners: PyTorch's {@code F.interpolate(x, scale_factor=2,
 * mode='bilinear', align_corners=True)}, which MTAN's decoder attention uses.
 *
 * <p>DJL's api has no such interpolation (its image resize has no aligned corners), so it is two
 * matrix products, {@code A_h · x · A_wᵀ}, where {@code A_n} ({@code [2n, n]}) maps {@code n}
 * samples to {@code 2n}: output {@code i} reads the source position {@code i·(n−1)/(2n−1)}, linearly
 * between its two neighbours (every output reads input 0 when {@code n = 1}). Linear in {@code x},
 * so its gradient is the transposed products, which autograd records. The matrices are made in the
 * input's manager, in memory that PyTorch owns ({@link Scalar#vector}): a matrix product saves its
 * operands for the backward pass.
 */
final class Bilinear {

    private Bilinear() {}

    /**
     * Upsamples by 2.
     *
     * @param x {@code [N, C, H, W]}
     * @return {@code [N, C, 2H, 2W]}, in {@code x}'s manager
     */
    static NDArray upsample2x(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("bilinear upsampling takes [N, C, H, W], got " + s);
        }
        NDManager m = x.getManager();
        DataType type = x.getDataType();
        NDArray rows = matrix(m, s.get(2), type);
        NDArray colsT = matrix(m, s.get(3), type).transpose();
        return rows.matMul(x.matMul(colsT));
    }

    /**
     * The interpolation matrix from {@code n} samples to {@code 2n}, aligned corners.
     *
     * @param m where it lives
     * @param n the input length
     * @param type its type
     * @return {@code [2n, n]}
     */
    static NDArray matrix(NDManager m, long n, DataType type) {
        int in = Math.toIntExact(n);
        int out = 2 * in;
        double[] a = new double[out * in];
        double scale = in > 1 ? (double) (in - 1) / (out - 1) : 0.0;
        for (int i = 0; i < out; i++) {
            double src = i * scale;
            int i0 = Math.min((int) Math.floor(src), in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            double frac = src - i0;
            a[i * in + i0] += 1 - frac;
            a[i * in + i1] += frac;
        }
        return Scalar.vector(m, a, type).reshape(out, in);
    }
}
