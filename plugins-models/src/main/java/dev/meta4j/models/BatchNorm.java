package dev.meta4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;

/**
 * Batch normalisation over the channel dimension (Ioffe &amp; Szegedy 2015), with PyTorch's
 * {@code BatchNorm2d} conventions: a trained scale {@code <name>.weight} (ones) and shift {@code
 * <name>.bias} (zeros), and the buffers {@code <name>.running-mean} (zeros) and {@code
 * <name>.running-var} (ones).
 *
 * <p>A training pass ({@link Forward#training()}) normalises with the batch's own mean and
 * biased variance over every dimension but the channel, and then updates the running statistics
 * in place, with recording paused: {@code running = (1 - momentum) * running + momentum * batch},
 * the variance taken unbiased ({@code n / (n - 1)}) as PyTorch does. An evaluation pass
 * normalises with the running statistics and changes nothing.
 *
 * <p>Inputs are {@code [N, C, ...]}; with task-batched parameters ({@code [T, C]}, see {@link
 * Params#replicate}) they are {@code [T, N, C, ...]} and each task has its own statistics.
 */
final class BatchNorm {

    private final String name;
    private final double momentum;
    private final double eps;
    private final Autograd autograd;

    /**
     * A layer that reads its arrays from the parameters under a name.
     *
     * @param name the stem of the four arrays
     * @param momentum the running statistics' update rate, in (0, 1]
     * @param eps added to the variance
     * @param autograd pauses recording for the running-statistics update
     */
    BatchNorm(String name, double momentum, double eps, Autograd autograd) {
        this.name = name;
        this.momentum = momentum;
        this.eps = eps;
        this.autograd = autograd;
    }

    /**
     * Adds the layer's parameters and buffers.
     *
     * @param b the builder
     * @param head the head the layer belongs to, or {@link Params#ENCODER}
     * @param channels the channel count
     * @param manager where the arrays live
     * @param type the floating-point type
     */
    void declare(Params.Builder b, int head, int channels, NDManager manager, DataType type) {
        NDArray weight = manager.ones(new Shape(channels), type);
        weight.setRequiresGradient(true);
        NDArray bias = manager.zeros(new Shape(channels), type);
        bias.setRequiresGradient(true);
        b.addHead(head, name + ".weight", weight);
        b.addHead(head, name + ".bias", bias);
        b.addBuffer(head, name + ".running-mean", manager.zeros(new Shape(channels), type));
        b.addBuffer(head, name + ".running-var", manager.ones(new Shape(channels), type));
    }

    /**
     * Normalises a batch.
     *
     * @param p the parameters (plain or task-batched)
     * @param x {@code [N, C, ...]}, or {@code [T, N, C, ...]} for task-batched parameters
     * @param forward training (batch statistics, running statistics updated) or evaluation
     * @return the normalised batch, same shape, in the input's manager
     */
    NDArray apply(Params p, NDArray x, Forward forward) {
        NDArray weight = p.get(name + ".weight");
        NDArray bias = p.get(name + ".bias");
        NDArray runningMean = p.get(name + ".running-mean");
        NDArray runningVar = p.get(name + ".running-var");
        int channelAxis = weight.getShape().dimension();
        long channels = weight.getShape().get(channelAxis - 1);
        if (x.getShape().dimension() <= channelAxis || x.getShape().get(channelAxis) != channels) {
            throw new IllegalArgumentException(name + " normalises " + channels + " channels on axis " + channelAxis
                    + ", got an input of shape " + x.getShape());
        }
        // The per-channel arrays broadcast as [(T,) 1, C, 1, ...].
        long[] b = new long[x.getShape().dimension()];
        java.util.Arrays.fill(b, 1);
        if (channelAxis == 2) {
            b[0] = x.getShape().get(0);
        }
        b[channelAxis] = channels;
        Shape bshape = new Shape(b);
        NDArray epsArray = Scalar.of(x.getManager(), eps, x.getDataType());
        NDArray mean;
        NDArray var;
        if (forward.training()) {
            int[] axes = reducedAxes(x.getShape().dimension(), channelAxis);
            long n = x.getShape().size() / bshape.size();
            // PyTorch's engine takes the mean over one axis only; a sum over several, then / n.
            NDArray count = Scalar.of(x.getManager(), n, x.getDataType());
            mean = x.sum(axes, true).div(count);
            NDArray centred = x.sub(mean);
            var = centred.square().sum(axes, true).div(count);
            NDArray y = centred.div(var.add(epsArray).sqrt());
            update(runningMean, runningVar, mean, var, n);
            return y.mul(weight.reshape(bshape)).add(bias.reshape(bshape));
        }
        mean = runningMean.reshape(bshape);
        var = runningVar.reshape(bshape);
        return x.sub(mean).div(var.add(epsArray).sqrt()).mul(weight.reshape(bshape)).add(bias.reshape(bshape));
    }

    private static int[] reducedAxes(int rank, int channelAxis) {
        int start = channelAxis == 2 ? 1 : 0;
        int[] axes = new int[rank - start - 1];
        int k = 0;
        for (int a = start; a < rank; a++) {
            if (a != channelAxis) {
                axes[k++] = a;
            }
        }
        return axes;
    }

    private void update(NDArray runningMean, NDArray runningVar, NDArray mean, NDArray var, long n) {
        double unbias = n > 1 ? (double) n / (n - 1) : 1.0;
        try (Autograd.Scope off = autograd.pause()) {
            NDArray m = mean.stopGradient().reshape(runningMean.getShape());
            NDArray v = var.stopGradient().reshape(runningVar.getShape());
            runningMean.muli(1 - momentum).addi(m.mul(momentum));
            runningVar.muli(1 - momentum).addi(v.mul(momentum * unbias));
        }
    }
}
