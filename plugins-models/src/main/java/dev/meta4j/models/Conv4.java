package dev.meta4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.BackboneFactory;
import dev.meta4j.api.model.Convolution;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;

/**
 * The four-block convolutional network of few-shot learning (Vinyals et al. 2016; Snell et al.
 * 2017; Finn et al. 2017): {@code blocks} times conv 3×3 (padding 1, {@code channels} filters),
 * batch norm, ReLU, max-pool 2, then flatten. On 28×28 inputs the embedding has {@code channels}
 * features (28 → 14 → 7 → 3 → 1), on 84×84 ones {@code 25 · channels}.
 *
 * <p>With {@code head = none} the network is the encoder alone and its output is the embedding
 * (Prototypical Networks). With {@code head = linear} every task of the dataset gets a linear
 * layer on the embedding, as MAML's classifier of {@code ways} outputs.
 *
 * <p>Parameters: {@code encoder.block<i>.conv.weight/bias} (PyTorch's {@code nn.Conv2d} default
 * initialisation, U(±1/sqrt(fan_in)), drawn from the given {@link Rng} in order), {@code
 * encoder.block<i>.bn.weight/bias} (ones, zeros) and the buffers {@code
 * encoder.block<i>.bn.running-mean/running-var} (see {@link BatchNorm}); with a head, {@code
 * head.<task>.weight/bias}. Task-batched parameters ({@link Params#replicate}) run the
 * convolutions task by task and the batch norm over all tasks at once, each with its own
 * statistics. Convolutions go through {@link PluginContext#convolution()} (the oneDNN trap).
 */
public final class Conv4 implements Backbone {

    private static final Shape POOL = new Shape(2, 2);
    private static final Shape NO_PADDING = new Shape(0, 0);

    private final int blocks;
    private final int channels;
    private final boolean linearHead;
    private final Convolution convolution;
    private final BatchNorm[] norms;

    Conv4(Config c, Convolution convolution, Autograd autograd) {
        this.blocks = c.getInt("blocks");
        this.channels = c.getInt("channels");
        this.linearHead = c.getString("head").equals("linear");
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
            norms[i] = new BatchNorm(block(i) + ".bn", momentum, eps, autograd);
        }
    }

    private static String block(int i) {
        return "encoder.block" + (i + 1);
    }

    /** Side after {@code blocks} same-padded convolutions and floor max-pools. */
    private long encodedSide(long side) {
        for (int i = 0; i < blocks; i++) {
            side /= 2;
        }
        return side;
    }

    /**
     * The embedding's width for a dataset.
     *
     * @param spec the dataset's shape
     * @return {@code channels · h · w} after the blocks
     */
    long embeddingSize(DataSpec spec) {
        long[] in = spec.inputShape();
        return channels * encodedSide(in[1]) * encodedSide(in[2]);
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
            long flat = embeddingSize(spec);
            double bound = 1.0 / Math.sqrt(flat);
            for (int t = 0; t < spec.taskCount(); t++) {
                Task task = spec.tasks().get(t);
                b.addHead(t, "head." + task.name() + ".weight",
                        UniformInit.uniform(manager, rng, bound, dataType, task.outputs(), flat));
                b.addHead(t, "head." + task.name() + ".bias", UniformInit.uniform(manager, rng, bound, dataType, task.outputs()));
            }
        }
        return b.build();
    }

    @Override
    public NDArray encode(Params params, NDArray input, Forward forward) {
        boolean batched = params.get(block(0) + ".conv.bias").getShape().dimension() == 2;
        NDArray h = input;
        for (int i = 0; i < blocks; i++) {
            NDArray w = params.get(block(i) + ".conv.weight");
            NDArray bias = params.get(block(i) + ".conv.bias");
            h = batched ? convolveEachTask(h, w, bias) : convolution.conv2d(h, w, bias, 1, 1);
            h = Activation.relu(norms[i].apply(params, h, forward));
            h = batched ? poolEachTask(h) : Pool.maxPool2d(h, POOL, POOL, NO_PADDING, false);
        }
        // [N, C, h, w] -> [N, C·h·w], or [T, N, ...] -> [T, N, C·h·w], as PyTorch's view(N, -1).
        Shape s = h.getShape();
        return batched ? h.reshape(s.get(0), s.get(1), -1) : h.reshape(s.get(0), -1);
    }

    /** Task {@code t}'s images with task {@code t}'s filters; the convolution has no task groups. */
    private NDArray convolveEachTask(NDArray x, NDArray w, NDArray bias) {
        NDList out = new NDList();
        for (int t = 0; t < x.getShape().get(0); t++) {
            out.add(convolution.conv2d(x.get(t), w.get(t), bias.get(t), 1, 1));
        }
        return NDArrays.stack(out);
    }

    private static NDArray poolEachTask(NDArray x) {
        Shape s = x.getShape();
        NDArray pooled = Pool.maxPool2d(x.reshape(s.get(0) * s.get(1), s.get(2), s.get(3), s.get(4)), POOL, POOL,
                NO_PADDING, false);
        Shape p = pooled.getShape();
        return pooled.reshape(s.get(0), s.get(1), p.get(1), p.get(2), p.get(3));
    }

    @Override
    public NDList heads(Params params, NDArray representation, Forward forward) {
        return LinearHeads.apply(params, representation);
    }

    @Override
    public boolean supportsTaskBatch() {
        return true;
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
            return "four conv3x3-BN-ReLU-maxpool blocks (Vinyals/Snell/Finn few-shot backbone); embedding or linear heads";
        }

        @Override
        public Backbone create(PluginContext ctx) {
            return new Conv4(ctx.config(), ctx.convolution(), ctx.autograd());
        }
    }
}
