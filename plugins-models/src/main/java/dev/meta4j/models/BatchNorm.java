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
 * <name>.bias} (zeros) and, when the layer is inductive, the buffers {@code <name>.running-mean}
 * (zeros) and {@code <name>.running-var} (ones).
 *
 * <p>A training pass ({@link Forward#training()}) normalises with the batch's own mean and
 * biased variance over every dimension but the channel (axis 1), and an inductive layer then
 * updates its running statistics in place, with recording paused: {@code running = (1 -
 * momentum) * running + momentum * batch}, the variance taken unbiased ({@code n / (n - 1)}) as
 * PyTorch does. An inductive evaluation pass normalises with the running statistics and changes
 * nothing. A <em>transductive</em> layer has no running statistics and normalises every batch,
 * in training and in evaluation, with its own statistics: what MAML's code does (TensorFlow's
 * {@code batch_norm} left in training mode; learn2learn's {@code track_running_stats=False}), so a
 * query set is normalised by its own statistics.
 *
 * <p>Inputs are {@code [N, C, ...]}. Task-batched parameters ({@code [T, C]}, see {@link
 * Params#replicate}) take inputs with the tasks folded into the channels, {@code [N, T·C, ...]}
 * (task {@code t}'s channel {@code c} at {@code t·C + c}), so that each task has its own
 * statistics and the whole meta-batch is normalised in one pass. Task-major images {@code [T, N,
 * C, H, W]} are folded so, normalised, and unfolded.
 */
public final class BatchNorm {

    /**
     * The momentum the fused pass is given: DJL hands the engine {@code 1 - momentum} in float, and
     * 0.5 survives that exactly, so the zero statistics come back as exactly half the batch's.
     */
    private static final float ENGINE_MOMENTUM = 0.5f;
    private static final double APPLIED_MOMENTUM = 1.0f - (1.0f - ENGINE_MOMENTUM);

    private final String name;
    private final double momentum;
    private final double eps;
    private final boolean transductive;
    private final Autograd autograd;

    /**
     * A layer that reads its arrays from the parameters under a name.
     *
     * @param name the stem of the arrays
     * @param momentum the running statistics' update rate, in (0, 1]
     * @param eps added to the variance
     * @param transductive batch statistics always, no running statistics
     * @param autograd pauses recording for the running-statistics update
     */
    public BatchNorm(String name, double momentum, double eps, boolean transductive, Autograd autograd) {
        this.name = name;
        this.momentum = momentum;
        this.eps = eps;
        this.transductive = transductive;
        this.autograd = autograd;
    }

    /**
     * Adds the layer's parameters, and its buffers when it is inductive.
     *
     * @param b the builder
     * @param head the head the layer belongs to, or {@link Params#ENCODER}
     * @param channels the channel count
     * @param manager where the arrays live
     * @param type the floating-point type
     */
    public void declare(Params.Builder b, int head, int channels, NDManager manager, DataType type) {
        NDArray weight = manager.ones(new Shape(channels), type);
        weight.setRequiresGradient(true);
        NDArray bias = manager.zeros(new Shape(channels), type);
        bias.setRequiresGradient(true);
        b.addHead(head, name + ".weight", weight);
        b.addHead(head, name + ".bias", bias);
        if (!transductive) {
            b.addBuffer(head, name + ".running-mean", manager.zeros(new Shape(channels), type));
            b.addBuffer(head, name + ".running-var", manager.ones(new Shape(channels), type));
        }
    }

    /**
     * Normalises a batch.
     *
     * @param p the parameters (plain, or task-batched {@code [T, C]})
     * @param x {@code [N, C, ...]}, or {@code [N, T·C, ...]} or {@code [T, N, C, H, W]} for task-batched parameters
     * @param forward training (batch statistics, running statistics updated) or evaluation
     * @return the normalised batch, same shape, in the input's manager
     */
    public NDArray apply(Params p, NDArray x, Forward forward) {
        if (x.getShape().dimension() == 5 && array(p, ".weight", forward).getShape().dimension() == 2) {
            // task-major images [T, N, C, H, W] (ResNet-12, WRN): fold, normalise, unfold
            Shape s = x.getShape();
            NDArray folded = x.transpose(1, 0, 2, 3, 4).reshape(s.get(1), s.get(0) * s.get(2), s.get(3), s.get(4));
            return apply(p, folded, forward).reshape(s.get(1), s.get(0), s.get(2), s.get(3), s.get(4))
                    .transpose(1, 0, 2, 3, 4);
        }
        NDArray weight = array(p, ".weight", forward);
        NDArray bias = array(p, ".bias", forward);
        long channels = weight.getShape().size();
        if (x.getShape().dimension() < 2 || x.getShape().get(1) != channels) {
            throw new IllegalArgumentException(name + " normalises " + channels + " channels (" + weight.getShape()
                    + ") on axis 1, got an input of shape " + x.getShape());
        }
        if (forward.training() || transductive) {
            // The engine's fused batch_norm: its backward keeps the input alone, where a composed
            // one (mean, centre, square, sum, divide) keeps several full-size arrays and, in MAML's
            // second-order graph, differentiates all of them twice (Conv4 MAML 5w1s, 2 threads: 1.05 -> 1.32 meta-steps/s).
            // It would update the statistics it is given with DJL's float momentum (1 - 0.9f, not
            // 0.1), so it is given zeros: they come back as exactly m·mean and m·unbiased variance
            // of the batch, from which the buffers are updated with the exact momentum.
            NDManager m = x.getManager();
            NDArray batchMean = m.zeros(new Shape(channels), x.getDataType());
            NDArray batchVar = m.zeros(new Shape(channels), x.getDataType());
            NDArray y = ai.djl.nn.norm.BatchNorm.batchNorm(x, batchMean, batchVar, weight.reshape(channels),
                    bias.reshape(channels), 1, ENGINE_MOMENTUM, (float) eps, true).singletonOrThrow();
            if (forward.training() && !transductive) {
                update(array(p, ".running-mean", forward), array(p, ".running-var", forward), batchMean, batchVar);
            }
            return y;
        }
        // The per-channel arrays broadcast as [1, C, 1, ...]; composed, with eps in full precision.
        long[] b = new long[x.getShape().dimension()];
        java.util.Arrays.fill(b, 1);
        b[1] = channels;
        Shape bshape = new Shape(b);
        NDArray scale = weight.reshape(bshape);
        NDArray shift = bias.reshape(bshape);
        NDArray epsArray = Scalar.of(x.getManager(), eps, x.getDataType());
        NDArray mean = array(p, ".running-mean", forward).reshape(bshape);
        NDArray var = array(p, ".running-var", forward).reshape(bshape);
        NDArray factor = scale.div(var.add(epsArray).sqrt());
        return x.mul(factor).add(shift.sub(mean.mul(factor)));
    }

    /**
     * One of the layer's arrays: the shared one, or the copy of the pass's inner step when the
     * layer was made per step ({@link #perInnerStep}).
     */
    private NDArray array(Params p, String suffix, Forward forward) {
        String shared = name + suffix;
        if (p.contains(shared)) {
            return p.get(shared);
        }
        String stepped = shared + "@" + forward.innerStep();
        if (forward.innerStep() >= 0 && p.contains(stepped)) {
            return p.get(stepped);
        }
        if (!p.contains(shared + "@0")) {
            p.get(shared); // the usual "no parameter" error, naming what there is
        }
        throw new IllegalArgumentException(name + " has per-inner-step arrays (" + shared + "@<k>) but the pass is "
                + (forward.innerStep() < 0 ? "outside the inner loop" : "at inner step " + forward.innerStep()
                        + ", beyond the steps they were made for")
                + "; a per-step batch norm needs the inner step of every pass (Forward.atInnerStep)");
    }

    /**
     * Replaces the layer's scale and shift ({@code weights}) and, when it is inductive, its running
     * statistics ({@code statistics}) by one copy per inner step, {@code <name>.weight@<k>} and so
     * on, each starting at the shared array's value and keeping its head and buffer flag.
     *
     * @param p the parameters holding the layer's shared arrays
     * @param steps the inner steps
     * @param weights per-step scale and shift (MAML++'s BNWB)
     * @param statistics per-step running statistics (BNRS); nothing to do for a transductive layer
     * @return the parameters, in the same order, the copies where the shared arrays were
     */
    public Params perInnerStep(Params p, int steps, boolean weights, boolean statistics) {
        if (steps < 1) {
            throw new IllegalArgumentException("per-step batch norm needs at least one inner step, got " + steps);
        }
        java.util.Set<String> stepped = new java.util.HashSet<>();
        if (weights) {
            stepped.add(name + ".weight");
            stepped.add(name + ".bias");
        }
        if (statistics && !transductive) {
            stepped.add(name + ".running-mean");
            stepped.add(name + ".running-var");
        }
        Params.Builder b = Params.builder();
        for (String n : p.names()) {
            NDArray a = p.get(n);
            int head = p.headOf(n);
            boolean buffer = p.isBuffer(n);
            if (!stepped.contains(n)) {
                if (buffer) {
                    b.addBuffer(head, n, a);
                } else {
                    b.addHead(head, n, a);
                }
                continue;
            }
            for (int k = 0; k < steps; k++) {
                NDArray copy = a.stopGradient().duplicate();
                if (buffer) {
                    b.addBuffer(head, n + "@" + k, copy);
                } else {
                    copy.setRequiresGradient(true);
                    b.addHead(head, n + "@" + k, copy);
                }
            }
        }
        return b.build();
    }

    /**
     * The names of the layer's trained arrays (scale and shift), shared or per step.
     *
     * @param p the parameters
     * @return the names, in order
     */
    public java.util.List<String> trainedArrays(Params p) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String n : p.names()) {
            String base = n.contains("@") ? n.substring(0, n.lastIndexOf('@')) : n;
            if (!p.isBuffer(n) && (base.equals(name + ".weight") || base.equals(name + ".bias"))) {
                out.add(n);
            }
        }
        return out;
    }

    private void update(NDArray runningMean, NDArray runningVar, NDArray batchMean, NDArray batchVar) {
        try (Autograd.Scope off = autograd.pause()) {
            runningMean.muli(1 - momentum).addi(batchMean.reshape(runningMean.getShape()).mul(momentum / APPLIED_MOMENTUM));
            runningVar.muli(1 - momentum).addi(batchVar.reshape(runningVar.getShape()).mul(momentum / APPLIED_MOMENTUM));
        }
    }
}
