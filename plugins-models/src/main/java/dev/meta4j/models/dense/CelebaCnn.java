package dev.meta4j.models.dense;

import dev.meta4j.models.Temporaries;
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
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.BackboneFactory;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.models.LinearHeads;
import java.util.List;

/**
 * The nine-layer CelebA network of the FAMO repository ({@code experiments/celeba/models.py},
 * {@code Network}): seven 3×3 convolutions and two linear layers shared by the 40 attributes, and
 * one linear head per attribute.
 *
 * <p><b>Encoder.</b> Four stages of conv 3×3 (padding 1, no bias), BN, ReLU: stage 1 has one
 * convolution ({@code channels[0]}, 64), stages 2-4 two ({@code channels[1..3]}: 128, 256, 512);
 * 2×2 max-pooling after stages 1-3, the mean over the remaining pixels after stage 4 ({@code
 * AdaptiveAvgPool2d(1)}); then, for every width in {@code hidden} ({@code [512, 512]}), linear
 * (no bias), BN over features ({@code BatchNorm1d}), ReLU. The last of these is the representation
 * (FAMO's {@code return_representation}). On 64×64 images: 64 → 32 → 16 → 8 → mean. Head {@code t}:
 * linear {@code hidden[-1] → outputs(t)}. With the official widths and 40 one-output tasks:
 * 5,197,160 trained parameters (5,176,640 shared) and 5,760 running statistics, PyTorch's counts.
 *
 * <p>Parameters: {@code encoder.conv<i>.weight}, {@code encoder.bn<i>.*} for the seven
 * convolutions ({@code i} from 1), {@code encoder.fc<i>.weight}, {@code encoder.fc<i>-bn.*}, and
 * {@code head.<task>.weight/bias}. PyTorch's default initialisation ({@code U(±1/sqrt(fan_in))}),
 * drawn from meta4j's generator; batch norm inductive.
 *
 * <p><b>Deviations.</b> The heads output logits: the official model ends in {@code sigmoid} and
 * trains with {@code BCELoss}, while meta4j's binary task takes the logit (its loss, {@code
 * softplus(z) − t·z}, equals {@code BCELoss(sigmoid(z), t)} and is stable). Widths, depth of the
 * linear part and the task count are settings; tasks may have any flat output width.
 */
public final class CelebaCnn implements Backbone {

    static final String NAME = "celeba-cnn";
    private static final Shape POOL = new Shape(2, 2);
    private static final Shape NO_PADDING = new Shape(0, 0);
    /** Convolutions per stage. */
    private static final int[] STAGE_CONVS = {1, 2, 2, 2};

    private final long[] channels;
    private final long[] hidden;
    private final Layers layers;

    CelebaCnn(Config c, Layers layers) {
        List<Integer> ch = c.getIntList("channels");
        List<Integer> hid = c.getIntList("hidden");
        if (ch.size() != STAGE_CONVS.length) {
            throw new IllegalArgumentException(NAME + ": channels " + ch + " must list the widths of the 4 stages");
        }
        this.channels = ch.stream().mapToLong(Integer::longValue).toArray();
        this.hidden = hid.stream().mapToLong(Integer::longValue).toArray();
        for (long v : channels) {
            if (v < 1) {
                throw new IllegalArgumentException(NAME + ": channels " + ch + " must be positive");
            }
        }
        for (long v : hidden) {
            if (v < 1) {
                throw new IllegalArgumentException(NAME + ": hidden " + hid + " must be positive");
            }
        }
        this.layers = layers;
    }

    @Override
    public Params init(DataSpec spec, Rng rng, NDManager manager, DataType dataType) {
        long[] in = spec.inputShape();
        if (in.length != 3) {
            throw new IllegalArgumentException(NAME + " takes images [channels, height, width]; the dataset's inputs are "
                    + new Shape(in));
        }
        if (in[1] < 8 || in[2] < 8) {
            throw new IllegalArgumentException(NAME + " pools 2x2 three times, so images need at least 8 pixels a side;"
                    + " the dataset's are " + in[1] + "x" + in[2]);
        }
        Params.Builder b = Params.builder();
        long inChannels = in[0];
        int conv = 1;
        for (int s = 0; s < STAGE_CONVS.length; s++) {
            for (int k = 0; k < STAGE_CONVS[s]; k++) {
                Layers.conv(b, Params.ENCODER, "encoder.conv" + conv, channels[s], inChannels, 3, false,
                        Layers.Weights.TORCH_DEFAULT, manager, rng, dataType);
                layers.batchNorm(b, Params.ENCODER, "encoder.bn" + conv, channels[s], manager, dataType);
                inChannels = channels[s];
                conv++;
            }
        }
        long width = inChannels;
        for (int i = 0; i < hidden.length; i++) {
            Layers.linear(b, Params.ENCODER, "encoder.fc" + (i + 1), hidden[i], width, false, manager, rng, dataType);
            layers.batchNorm(b, Params.ENCODER, "encoder.fc" + (i + 1) + "-bn", hidden[i], manager, dataType);
            width = hidden[i];
        }
        for (int t = 0; t < spec.taskCount(); t++) {
            Task task = spec.tasks().get(t);
            Layers.linear(b, t, "head." + task.name(), task.outputs(), width, true, manager, rng, dataType);
        }
        return b.build();
    }

    @Override
    public NDArray encode(Params params, NDArray input, Forward forward) {
        NDArray h = input;
        int conv = 1;
        for (int s = 0; s < STAGE_CONVS.length; s++) {
            for (int k = 0; k < STAGE_CONVS[s]; k++) {
                String i = Integer.toString(conv);
                h = Temporaries.scoped(h, in -> Activation.relu(
                        layers.bn(params, "encoder.bn" + i, layers.conv(params, "encoder.conv" + i, in), forward)));
                conv++;
            }
            if (s < STAGE_CONVS.length - 1) {
                h = Pool.maxPool2d(h, POOL, POOL, NO_PADDING, false);
            }
        }
        // AdaptiveAvgPool2d(1) and flatten; DJL's PyTorch mean takes one axis, so a sum over both, then / pixels.
        Shape s = h.getShape();
        h = h.sum(new int[] {2, 3}).div(Scalar.of(h.getManager(), s.get(2) * s.get(3), h.getDataType()));
        for (int i = 0; i < hidden.length; i++) {
            String fc = "encoder.fc" + (i + 1);
            h = Temporaries.scoped(h, in -> Activation.relu(
                    layers.bn(params, fc + "-bn", in.matMul(params.get(fc + ".weight").transpose()), forward)));
        }
        return h;
    }

    @Override
    public NDList heads(Params params, NDArray representation, Forward forward) {
        return LinearHeads.apply(params, representation);
    }

    /** Registers {@code celeba-cnn}. */
    @AutoService(BackboneFactory.class)
    public static final class Factory implements BackboneFactory {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String summary() {
            return "the FAMO repository's 9-layer CelebA CNN (7 conv-BN-ReLU, 2 linear-BN-ReLU) with one linear head per attribute";
        }

        @Override
        public Backbone create(PluginContext ctx) {
            return new CelebaCnn(ctx.config(), new Layers(ctx.config(), ctx.convolution(), ctx.autograd()));
        }
    }
}
