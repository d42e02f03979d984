package dev.meta4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.model.Convolution;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.RandomArrays;

/**
 * The layers that the residual backbones share, each for plain inputs {@code [N, C, H, W]} and for
 * task-batched ones {@code [T, N, C, H, W]} (with weights {@code [T, ...]}, see {@code
 * Params.replicate}).
 */
final class Layers {

    private static final Shape TWO = new Shape(2, 2);
    private static final Shape NO_PADDING = new Shape(0, 0);

    private Layers() {}

    /**
     * A convolution without bias; task-batched weights ({@code [T, O, C, k, k]}) convolve task
     * {@code t}'s images with task {@code t}'s filters, one task at a time (the convolution
     * service has no groups).
     *
     * @param convolution the service (never DJL's {@code Conv2d}: the oneDNN trap)
     * @param x the input
     * @param w the weight {@code [O, C, k, k]} or {@code [T, O, C, k, k]}
     * @param stride the stride
     * @param padding the zero padding
     * @return the output
     */
    static NDArray conv(Convolution convolution, NDArray x, NDArray w, int stride, int padding) {
        if (w.getShape().dimension() == 4) {
            return convolution.conv2d(x, w, null, stride, padding);
        }
        NDList out = new NDList();
        for (int t = 0; t < x.getShape().get(0); t++) {
            out.add(convolution.conv2d(x.get(t), w.get(t), null, stride, padding));
        }
        return NDArrays.stack(out);
    }

    /**
     * Max-pooling over 2×2 windows with stride 2, rounding the size down (PyTorch's {@code
     * MaxPool2d(2)}).
     *
     * @param x the input
     * @return the pooled input
     */
    static NDArray maxPool2(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() == 4) {
            return Pool.maxPool2d(x, TWO, TWO, NO_PADDING, false);
        }
        NDArray pooled = Pool.maxPool2d(x.reshape(s.get(0) * s.get(1), s.get(2), s.get(3), s.get(4)), TWO, TWO,
                NO_PADDING, false);
        Shape p = pooled.getShape();
        return pooled.reshape(s.get(0), s.get(1), p.get(1), p.get(2), p.get(3));
    }

    /**
     * The mean over the two spatial dimensions ({@code adaptive_avg_pool2d(x, 1)} and flatten).
     *
     * @param x the input
     * @return {@code [N, C]} or {@code [T, N, C]}
     */
    static NDArray globalAveragePool(NDArray x) {
        int rank = x.getShape().dimension();
        long area = x.getShape().get(rank - 2) * x.getShape().get(rank - 1);
        // A sum over both axes, then / area: PyTorch's engine takes the mean over one axis only.
        return x.sum(new int[] {rank - 2, rank - 1}).div(Scalar.of(x.getManager(), area, x.getDataType()));
    }

    /**
     * Flattens all dimensions after the batch (and the task) dimension, as PyTorch's {@code view(N, -1)}.
     *
     * @param x the input
     * @param batched whether the first dimension is the task
     * @return {@code [N, C·H·W]} or {@code [T, N, C·H·W]}
     */
    static NDArray flatten(NDArray x, boolean batched) {
        Shape s = x.getShape();
        return batched ? x.reshape(s.get(0), s.get(1), -1) : x.reshape(s.get(0), -1);
    }

    /**
     * Inverted dropout of a training pass ({@code F.dropout}): each element is kept with
     * probability {@code 1 - p} and then scaled by {@code 1 / (1 - p)}; the identity in evaluation
     * or for {@code p = 0}. The mask is drawn on the device from the pass's generator.
     *
     * @param x the input
     * @param p the drop probability, in {@code [0, 1)}
     * @param forward the pass (training, generator)
     * @param random the seeded random arrays
     * @param autograd pauses recording while the mask is made
     * @return the input with dropped elements
     */
    static NDArray dropout(NDArray x, double p, Forward forward, RandomArrays random, Autograd autograd) {
        if (!forward.training() || p == 0) {
            return x;
        }
        NDArray mask;
        try (Autograd.Scope off = autograd.pause()) {
            mask = random.bernoulli(forward.rng(), 1 - p, x.getShape(), x.getDataType(), x.getManager())
                    .mul(Scalar.of(x.getManager(), 1 / (1 - p), x.getDataType()));
        }
        return x.mul(mask);
    }
}
