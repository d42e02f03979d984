package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** The reductions the built-in tasks share: means over the example axes, keeping leading ones. */
final class MeanOver {

    private MeanOver() {}

    /** The mean over the last two axes (examples and outputs), keeping the leading ones. */
    static NDArray lastTwo(NDArray x) {
        // DJL's PyTorch mean takes one axis at a time; flatten the last two axes into one.
        long[] s = x.getShape().getShape();
        if (s.length < 2) {
            return x.mean();
        }
        long[] head = java.util.Arrays.copyOf(s, s.length - 1);
        head[head.length - 1] = -1;
        return x.reshape(head).mean(new int[] {-1});
    }

    /** {@code sum(x * mask) / sum(mask)} over the last axis. */
    static NDArray masked(NDArray x, NDArray mask) {
        return x.mul(mask).sum(new int[] {-1}).div(mask.sum(new int[] {-1}));
    }

    /** {@code sum(x * mask) / sum(mask)} over the last two axes. */
    static NDArray maskedLastTwo(NDArray x, NDArray mask) {
        long[] s = x.getShape().getShape();
        long[] head = java.util.Arrays.copyOf(s, Math.max(1, s.length - 1));
        head[head.length - 1] = -1;
        return masked(x.reshape(head), mask.reshape(head));
    }

    /** A one-element array's value, as a double. */
    static double value(NDArray scalar) {
        return scalar.toType(DataType.FLOAT64, false).getDouble();
    }
}
