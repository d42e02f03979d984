package dev.meta4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The projection of SGDP and AdamP (Heo et al., ICLR 2021, "AdamP: Slowing Down the Slowdown for
 * Momentum Optimizers on Scale-invariant Weights"), as pytorch-optimizer 0.1.0 and clovaai/AdamP
 * compute it. For a parameter with two or more dimensions, it looks at the cosine between the
 * gradient and the weight, first per output channel (dimension 0), then over the whole tensor. The
 * first view in which every cosine is below {@code delta / sqrt(elements per row)} counts the
 * weight as scale-invariant there: the update loses its radial component in that view, and the
 * weight decay is scaled by {@code wd-ratio}.
 */
final class Projection {

    private final double delta;
    private final double wdRatio;
    private final double eps;

    Projection(double delta, double wdRatio, double eps) {
        this.delta = delta;
        this.wdRatio = wdRatio;
        this.eps = eps;
    }

    /**
     * Projects {@code update} in place where the weight looks scale-invariant.
     *
     * @param weight the parameter
     * @param grad its gradient
     * @param update what the step subtracts (times the rate), changed in place
     * @return the factor of the weight decay: {@code wd-ratio} if it projected, else 1
     */
    double apply(NDArray weight, NDArray grad, NDArray update) {
        Shape shape = weight.getShape();
        if (shape.dimension() < 2) {
            return 1;
        }
        long rows0 = shape.get(0);
        long[] keep = new long[shape.dimension()];
        java.util.Arrays.fill(keep, 1);
        for (long rows : new long[] {rows0, 1}) {
            long cols = shape.size() / rows;
            NDArray x = grad.reshape(rows, cols);
            NDArray y = weight.reshape(rows, cols);
            NDArray cosine = x.mul(y).sum(new int[] {1}).abs()
                    .div(x.norm(new int[] {1}).add(eps))
                    .div(y.norm(new int[] {1}).add(eps));
            double largest = cosine.max().toType(DataType.FLOAT64, false).getDouble();
            if (largest < delta / Math.sqrt(cols)) {
                keep[0] = rows;
                NDArray unit = weight.div(y.norm(new int[] {1}).reshape(new Shape(keep)).add(eps));
                NDArray radial = unit.mul(unit.mul(update).reshape(rows, cols).sum(new int[] {1}).reshape(new Shape(keep)));
                update.subi(radial);
                return wdRatio;
            }
        }
        return 1;
    }
}
