package dev.meta4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.RandomArrays;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.BackboneFactory;
import dev.meta4j.api.model.Convolution;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import java.util.HashMap;
import java.util.Map;

/**
 * Wide ResNet WRN-{@code depth}-{@code k} (Zagoruyko &amp; Komodakis 2016) as S2M2 (Mangla et al.
 * 2020, {@code wrn_mixup_model.py}) uses it for few-shot learning (LEO, Rusu et al. 2019, uses the
 * WRN-28-10 features of Qiao et al. 2018, whose code was not compared): a 3×3 stem of
 * 16 filters, three groups of {@code n = (depth - 4) / 6} pre-activation blocks of {@code 16k},
 * {@code 32k}, {@code 64k} filters with strides 1, 2, 2, then BN-ReLU and the spatial mean.
 * A block is
 * <pre>
 *   a   = ReLU(BN1(x))
 *   out = conv3x3(dropout(ReLU(BN2(conv3x3(a, stride)))))
 *   out = out + (x, or conv1x1(a, stride) when the width or the stride changes)
 * </pre>
 * with convolutions without bias. WRN-28-10 gives 640 features (84×84 images: maps 84, 42, 21;
 * 32×32: 32, 16, 8) from 36,472,784 parameters, as S2M2's module without its classifier.
 *
 * <p>Initialisation as the original code: convolutions {@code N(0, 2 / (k·k·out))} ({@link
 * NormalInit}), batch norm scale 1, shift 0; a linear head ({@code head = linear}) gets PyTorch's
 * default {@code nn.Linear} initialisation.
 *
 * <p>Parameters: {@code encoder.stem.weight}; {@code encoder.group<g>.block<b>.bn1.*}, {@code
 * .conv1.weight}, {@code .bn2.*}, {@code .conv2.weight} and, where the shortcut is a projection,
 * {@code .shortcut.weight}; {@code encoder.bn.*}, in the reference module's parameter order; the
 * running statistics are buffers ({@link BatchNorm}); with a head, {@code head.<task>.weight/bias}.
 * Task-batched parameters are supported, the convolutions running task by task.
 *
 * <p><b>Deviations</b> from S2M2's code:
 * <ul>
 *   <li>Dropout defaults to 0. S2M2's {@code wrn28_10} passes 0.5 (0.9 in {@code train_cifar.py}),
 *       although the file's first line says that dropout was removed; Zagoruyko &amp; Komodakis
 *       used 0.3 on CIFAR. Set {@code dropout} for either.</li>
 *   <li>A block whose width stays but whose stride is not 1 gets a projection shortcut; the
 *       reference adds an identity of the wrong size there and fails (no standard depth/width
 *       has such a block).</li>
 *   <li>The head is a plain linear layer; S2M2's cosine classifier ({@code distLinear}) and its
 *       rotation and manifold-mixup training are the algorithm's business, not the backbone's.</li>
 *   <li>RFS's {@code wrn_28_10} (the meliketoy variant) differs again (biases, the stride on the
 *       second convolution, dropout after the first, batch-norm momentum 0.9): not followed.</li>
 * </ul>
 */
public final class WideResNet implements Backbone {

    private static final int STEM = 16;

    private final int depth;
    private final int widen;
    private final int perGroup;
    private final double dropout;
    private final boolean linearHead;
    private final Convolution convolution;
    private final RandomArrays random;
    private final Autograd autograd;
    /** The batch norms by name, made once (the forward pass looks them up). */
    private final Map<String, BatchNorm> norms = new HashMap<>();

    WideResNet(Config c, Convolution convolution, RandomArrays random, Autograd autograd) {
        this.depth = c.getInt("depth");
        this.widen = c.getInt("widen-factor");
        this.dropout = c.getDouble("dropout");
        this.linearHead = c.getString("head").equals("linear");
        double momentum = c.getDouble("bn-momentum");
        double eps = c.getDouble("bn-eps");
        if (depth < 10 || (depth - 4) % 6 != 0) {
            throw new IllegalArgumentException("a Wide ResNet's depth is 6n + 4 with n >= 1 (10, 16, 22, 28, ...), got "
                    + depth);
        }
        if (widen < 1) {
            throw new IllegalArgumentException("widen-factor must be positive, got " + widen);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must lie in [0, 1), got " + dropout);
        }
        if (!(momentum > 0 && momentum <= 1) || !(eps > 0)) {
            throw new IllegalArgumentException("bn-momentum must lie in (0, 1] and bn-eps be positive");
        }
        this.perGroup = (depth - 4) / 6;
        this.convolution = convolution;
        this.random = random;
        this.autograd = autograd;
        for (int g = 0; g < 3; g++) {
            for (int k = 0; k < perGroup; k++) {
                for (String bn : new String[] {".bn1", ".bn2"}) {
                    norms.put(block(g, k) + bn, new BatchNorm(block(g, k) + bn, momentum, eps, false, autograd));
                }
            }
        }
        norms.put("encoder.bn", new BatchNorm("encoder.bn", momentum, eps, false, autograd));
    }

    private int width(int group) {
        return (STEM << group) * widen;
    }

    private static int stride(int group, int block) {
        return block == 0 && group > 0 ? 2 : 1;
    }

    private static String block(int group, int block) {
        return "encoder.group" + (group + 1) + ".block" + (block + 1);
    }

    /** Whether a block's shortcut is a 1x1 projection. */
    private boolean projects(int group, int block) {
        int in = block > 0 ? width(group) : group == 0 ? STEM : width(group - 1);
        return in != width(group) || stride(group, block) != 1;
    }

    private BatchNorm norm(String name) {
        return norms.get(name);
    }

    @Override
    public Params init(DataSpec spec, Rng rng, NDManager manager, DataType dataType) {
        long[] in = spec.inputShape();
        if (in.length != 3) {
            throw new IllegalArgumentException("wrn28-10 takes images [channels, height, width], the dataset's inputs are "
                    + new Shape(in));
        }
        if (in[1] < 4 || in[2] < 4) {
            throw new IllegalArgumentException("a Wide ResNet halves its maps twice; the dataset's images " + new Shape(in)
                    + " are smaller than 4x4");
        }
        Params.Builder b = Params.builder();
        b.add("encoder.stem.weight", NormalInit.kaimingFanOut(manager, rng, dataType, STEM, in[0], 3, 3));
        long inChannels = STEM;
        for (int g = 0; g < 3; g++) {
            int out = width(g);
            for (int k = 0; k < perGroup; k++) {
                String s = block(g, k);
                norm(s + ".bn1").declare(b, Params.ENCODER, Math.toIntExact(inChannels), manager, dataType);
                b.add(s + ".conv1.weight", NormalInit.kaimingFanOut(manager, rng, dataType, out, inChannels, 3, 3));
                norm(s + ".bn2").declare(b, Params.ENCODER, out, manager, dataType);
                b.add(s + ".conv2.weight", NormalInit.kaimingFanOut(manager, rng, dataType, out, out, 3, 3));
                if (projects(g, k)) {
                    b.add(s + ".shortcut.weight", NormalInit.kaimingFanOut(manager, rng, dataType, out, inChannels, 1, 1));
                }
                inChannels = out;
            }
        }
        norm("encoder.bn").declare(b, Params.ENCODER, width(2), manager, dataType);
        if (linearHead) {
            LinearHeads.declare(b, spec, width(2), manager, rng, dataType);
        }
        return b.build();
    }

    @Override
    public NDArray encode(Params params, NDArray input, Forward forward) {
        NDArray h = Layers.conv(convolution, input, params.get("encoder.stem.weight"), 1, 1);
        for (int g = 0; g < 3; g++) {
            for (int k = 0; k < perGroup; k++) {
                int group = g;
                int block = k;
                h = Temporaries.scoped(h, x -> block(params, x, group, block, forward));
            }
        }
        return Temporaries.scoped(h, x -> Layers.globalAveragePool(Activation.relu(norm("encoder.bn").apply(params, x, forward))));
    }

    /** One pre-activation block: its intermediates are freed when it returns ({@link Temporaries#scoped}). */
    private NDArray block(Params params, NDArray h, int g, int k, Forward forward) {
        String s = block(g, k);
        int stride = stride(g, k);
        NDArray a = Activation.relu(norm(s + ".bn1").apply(params, h, forward));
        NDArray out = Layers.conv(convolution, a, params.get(s + ".conv1.weight"), stride, 1);
        out = Activation.relu(norm(s + ".bn2").apply(params, out, forward));
        out = Layers.dropout(out, dropout, forward, random, autograd);
        out = Layers.conv(convolution, out, params.get(s + ".conv2.weight"), 1, 1);
        NDArray shortcut = projects(g, k) ? Layers.conv(convolution, a, params.get(s + ".shortcut.weight"), stride, 0) : h;
        return shortcut.add(out);
    }

    @Override
    public NDList heads(Params params, NDArray representation, Forward forward) {
        return LinearHeads.apply(params, representation);
    }

    @Override
    public boolean supportsTaskBatch() {
        return true;
    }

    /** Registers {@code wrn28-10}. */
    @AutoService(BackboneFactory.class)
    public static final class Factory implements BackboneFactory {
        @Override
        public String name() {
            return "wrn28-10";
        }

        @Override
        public String summary() {
            return "Wide ResNet 28-10 as in S2M2 (pre-activation blocks 160-320-640, depth/width configurable);"
                    + " embedding or linear heads";
        }

        @Override
        public Backbone create(PluginContext ctx) {
            return new WideResNet(ctx.config(), ctx.convolution(), ctx.random(), ctx.autograd());
        }
    }
}
