package dev.meta4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.BackboneFactory;
import dev.meta4j.api.model.Convolution;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The four-block convolutional network of few-shot learning (Vinyals et al. 2016; Snell et al.
 * 2017; Finn et al. 2017): {@code blocks} times conv 3×3 ({@code channels} filters), batch norm,
 * ReLU and a downsampling, then flatten.
 *
 * <p>Downsampling: {@code max-pool} (conv stride 1, padding 1, then max-pool 2; on 28×28 inputs
 * the embedding has {@code channels} features, 28 → 14 → 7 → 3 → 1, on 84×84 ones {@code 25 ·
 * channels}), or {@code stride}, the variant of MAML's code for Omniglot (conv stride 2, padding
 * 1, no pooling, 28 → 14 → 7 → 4 → 2, then the mean over the remaining pixels, so the embedding
 * has {@code channels} features). MAML's TensorFlow code pads "SAME", which for even sides puts
 * the extra zero row and column at the bottom and right; ours pads one on each side, as
 * learn2learn's PyTorch port does: the same sizes, shifted sampling positions.
 *
 * <p>Batch norm: {@code transductive} (the default, as MAML's code: every batch, a support set or
 * a query set, is normalised with its own statistics, in training and in evaluation, and there
 * are no running statistics) or {@code inductive} (PyTorch's {@code BatchNorm2d} in train/eval
 * mode, the official ProtoNet code's: running statistics as buffers, used at evaluation). See
 * {@link BatchNorm}. The batch norms have a scale and a shift, both trained parameters that the
 * MAML family adapts in the inner loop with every other weight, as learn2learn's PyTorch MAML
 * does; MAML's TensorFlow code differs here: its {@code batch_norm} has a shift only ({@code
 * scale=False}), and the shift is meta-learned but not adapted (it is not in the inner loop's
 * weights).
 *
 * <p>With {@code head = none} the network is the encoder alone and its output is the embedding
 * (Prototypical Networks). With {@code head = linear} every task of the dataset gets a linear
 * layer on the embedding, as MAML's classifier of {@code ways} outputs.
 *
 * <p>Parameters: {@code encoder.block<i>.conv.weight/bias} (PyTorch's {@code nn.Conv2d} default
 * initialisation, U(±1/sqrt(fan_in)), drawn from the given {@link Rng} in order), {@code
 * encoder.block<i>.bn.weight/bias} (ones, zeros), the inductive buffers {@code
 * encoder.block<i>.bn.running-mean/running-var}, and with a head {@code head.<task>.weight/bias}.
 * Task-batched parameters ({@link Params#replicate}, {@code [T, ...]}) run the whole meta-batch as
 * one graph: the tasks are folded into the channels, {@code [T, N, C, H, W] → [N, T·C, H, W]},
 * every convolution is one grouped convolution with {@code T} groups, and every batch norm one
 * pass with per-task statistics. Convolutions go through {@link PluginContext#convolution()} (the
 * oneDNN trap).
 */
public final class Conv4 implements Backbone {

    private static final Shape POOL = new Shape(2, 2);
    private static final Shape NO_PADDING = new Shape(0, 0);

    private final int blocks;
    private final int channels;
    private final boolean linearHead;
    private final boolean strided;
    private final Convolution convolution;
    private final BatchNorm[] norms;

    Conv4(Config c, Convolution convolution, Autograd autograd) {
        this.blocks = c.getInt("blocks");
        this.channels = c.getInt("channels");
        this.linearHead = c.getString("head").equals("linear");
        this.strided = c.getString("downsample").equals("stride");
        boolean transductive = c.getString("bn-mode").equals("transductive");
        double momentum = c.getDouble("bn-momentum");
        double eps = c.getDouble("bn-eps");
        if (blocks < 1 || channels < 1) {
            throw new IllegalArgumentException("blocks and channels must be positive, got " + blocks + " and " + channels);
        }
        if (!(momentum > 0 && momentum <= 1) || !(eps > 0)) {
            throw new IllegalArgumentException("bn-momentum must lie in (0, 1] and bn-eps be positive");
        }
        this.convolution = convolution;
        this.norms = new BatchNorm[blocks];
        for (int i = 0; i < blocks; i++) {
            norms[i] = new BatchNorm(block(i) + ".bn", momentum, eps, transductive, autograd);
        }
    }

    private static String block(int i) {
        return "encoder.block" + (i + 1);
    }

    /** Side after {@code blocks} blocks: floor halving by max-pools, ceil halving by strided convolutions. */
    private long encodedSide(long side) {
        for (int i = 0; i < blocks; i++) {
            side = strided ? (side + 1) / 2 : side / 2;
        }
        return side;
    }

    /**
     * The embedding's width for a dataset.
     *
     * @param spec the dataset's shape
     * @return {@code channels · h · w} after the blocks ({@code channels} when strided: the mean over pixels)
     */
    long embeddingSize(DataSpec spec) {
        long[] in = spec.inputShape();
        return strided ? channels : channels * encodedSide(in[1]) * encodedSide(in[2]);
    }

    @Override
    public Params init(DataSpec spec, Rng rng, NDManager manager, DataType dataType) {
        long[] in = spec.inputShape();
        if (in.length != 3) {
            throw new IllegalArgumentException("conv4 takes images [channels, height, width], the dataset's inputs are "
                    + new Shape(in));
        }
        if (encodedSide(in[1]) < 1 || encodedSide(in[2]) < 1) {
            throw new IllegalArgumentException("conv4 with " + blocks + " blocks needs images of at least "
                    + (1L << blocks) + " pixels a side; the dataset's are " + new Shape(in));
        }
        Params.Builder b = Params.builder();
        long inChannels = in[0];
        for (int i = 0; i < blocks; i++) {
            int fanIn = Math.toIntExact(inChannels * 9);
            double bound = 1.0 / Math.sqrt(fanIn);
            b.add(block(i) + ".conv.weight", UniformInit.uniform(manager, rng, bound, dataType, channels, inChannels, 3, 3));
            b.add(block(i) + ".conv.bias", UniformInit.uniform(manager, rng, bound, dataType, channels));
            norms[i].declare(b, Params.ENCODER, channels, manager, dataType);
            inChannels = channels;
        }
        if (linearHead) {
            LinearHeads.declare(b, spec, embeddingSize(spec), manager, rng, dataType);
        }
        return b.build();
    }

    @Override
    public NDArray encode(Params params, NDArray input, Forward forward) {
        boolean batched = params.get(block(0) + ".conv.bias").getShape().dimension() == 2;
        NDArray h = input;
        long tasks = 1;
        if (batched) {
            // [T, N, C, H, W] -> [N, T·C, H, W]: task t's channels are block t of the channels.
            Shape s = input.getShape();
            tasks = s.get(0);
            h = input.transpose(1, 0, 2, 3, 4).reshape(s.get(1), tasks * s.get(2), s.get(3), s.get(4));
        }
        int groups = Math.toIntExact(tasks);
        int stride = strided ? 2 : 1;
        for (int i = 0; i < blocks; i++) {
            int b = i;
            // A block's convolution and batch-norm outputs are freed when it returns (Temporaries.scoped).
            h = Temporaries.scoped(h, x -> block(params, x, b, batched, stride, groups, forward));
        }
        if (strided) {
            // DJL's PyTorch mean takes one axis only (DESIGN.md): a sum over both, then / pixels.
            Shape hs = h.getShape();
            h = h.sum(new int[] {2, 3}).div(Scalar.of(h.getManager(), hs.get(2) * hs.get(3), h.getDataType()));
        }
        // [N, C, h, w] -> [N, C·h·w], as PyTorch's view(N, -1); folded: [N, T·C, h, w] -> [T, N, C·h·w].
        long n = h.getShape().get(0);
        return batched ? h.reshape(n, tasks, -1).transpose(1, 0, 2) : h.reshape(n, -1);
    }

    private NDArray block(Params params, NDArray h, int i, boolean batched, int stride, int groups, Forward forward) {
        NDArray w = params.get(block(i) + ".conv.weight");
        NDArray bias = params.get(block(i) + ".conv.bias");
        if (batched) {
            Shape ws = w.getShape();
            w = w.reshape(ws.get(0) * ws.get(1), ws.get(2), ws.get(3), ws.get(4));
            bias = bias.reshape(-1);
        }
        NDArray out = Activation.relu(norms[i].apply(params, convolution.conv2d(h, w, bias, stride, 1, groups), forward));
        return strided ? out : Pool.maxPool2d(out, POOL, POOL, NO_PADDING, false);
    }

    @Override
    public NDList heads(Params params, NDArray representation, Forward forward) {
        return LinearHeads.apply(params, representation);
    }

    @Override
    public boolean supportsTaskBatch() {
        return true;
    }

    /** Every block's batch norm per inner step (MAML++); the convolutions and the head stay shared. */
    @Override
    public Optional<PerInnerStep> perInnerStep(Params params, int steps, boolean weights, boolean statistics) {
        Params p = params;
        for (BatchNorm n : norms) {
            p = n.perInnerStep(p, steps, weights, statistics);
        }
        List<String> normalization = new ArrayList<>();
        for (BatchNorm n : norms) {
            normalization.addAll(n.trainedArrays(p));
        }
        return Optional.of(new PerInnerStep(p, List.copyOf(normalization)));
    }

    /** Registers {@code conv4}. */
    @AutoService(BackboneFactory.class)
    public static final class Factory implements BackboneFactory {
        @Override
        public String name() {
            return "conv4";
        }

        @Override
        public String summary() {
            return "four conv3x3-BN-ReLU-downsample blocks (Vinyals/Snell/Finn few-shot backbone); embedding or linear heads";
        }

        @Override
        public Backbone create(PluginContext ctx) {
            return new Conv4(ctx.config(), ctx.convolution(), ctx.autograd());
        }
    }
}
