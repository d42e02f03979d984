package dev.meta4j.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.pooling.Pool;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.BackboneFactory;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * SegNet with task-specific attention, the Multi-Task Attention Network (Liu, Johns &amp; Davison
 * 2019, "End-to-End Multi-Task Learning with Attention"): the model of the FAMO and Nash-MTL NYUv2
 * and Cityscapes experiments, read from MTAN's {@code im2im_pred/model_segnet_mtan.py} and those
 * repositories' copies ({@code experiments/nyuv2/models.py}, {@code experiments/cityscapes/models.py}).
 *
 * <p><b>Structure.</b> The shared SegNet ({@link SegNetTrunk}, filters {@code [64, 128, 256, 512,
 * 512]}) and, for every task of the dataset, an attention stream over its feature maps. Encoder
 * level {@code j}: the mask {@code encoder_att.<task>.j} (1×1 conv, BN, ReLU, 1×1 conv, BN,
 * sigmoid) of {@code encIn[j]} concatenated with the stream ({@code encIn[0]} alone at level 0)
 * multiplies {@code encOut[j]}; then the shared {@code encoder_block_att.j} (3×3 conv, BN, ReLU,
 * {@code f[j] → f[j+1]}, {@code f[L−1]} at the bottom) and 2×2 max-pooling. Decoder step {@code j}
 * (level {@code k = L−1−j}): bilinear ×2 upsampling with aligned corners, the shared {@code
 * decoder_block_att.k} ({@code f[k] → f[k−1]}), the mask {@code decoder_att.<task>.k} of {@code
 * up[j]} concatenated with it multiplies {@code dec[j]}. The last step's product, {@code [N, f[0],
 * H, W]}, is the task's features; its head ({@link PixelHeads}) gives the prediction: for NYUv2,
 * log-probabilities of 13 classes, depth (1 channel) and unit normals (3 channels). Batch norm is
 * inductive ({@code BatchNorm2d} in train/eval mode), and a shared attention convolution's running
 * statistics are updated once per task in a training pass, in task order, as in PyTorch.
 *
 * <p><b>Encoder and heads.</b> As in the FAMO and Nash-MTL code ({@code shared_parameters()}: every
 * parameter but {@code pred_*}), the encoder is everything but the final prediction convolutions,
 * the task-specific attention modules included, so the gradient-based weighting methods see those
 * as shared parameters (on which only their own task's gradient is non-zero). The representation
 * is the stack of the tasks' attended features, {@code [N, T, f[0], H, W]}; head {@code t} reads
 * slice {@code t}. This is what those repositories return as the representation (a tuple of the
 * three maps), so MGDA-UB's and GradDrop's representation gradients are blocks that are zero
 * outside their task's slice.
 *
 * <p><b>Parameters</b> in the official {@code named_parameters()} order: the trunk's, {@code
 * encoder.encoder_att.<task>.<j>.conv1/bn1/conv2/bn2} for every task, then {@code decoder_att},
 * {@code encoder.encoder_block_att.<j>.conv/bn}, {@code encoder.decoder_block_att.<k>.conv/bn},
 * the heads. With the official filters and NYUv2's 13 + 1 + 3 output channels there are
 * 44,229,073 trained parameters (PyTorch's count of the FAMO model; MTAN's code adds 3 for its
 * uncertainty weights) and 50,176 running statistics.
 *
 * <p><b>Deviations from the official code.</b> Any number of levels and filters (the official
 * five, with {@code f[3] = f[4]}: its last {@code decoder_block_att} maps {@code f[4] → f[4]}, here
 * {@code f[4] → f[3]}, the same layer when they are equal; for other lists only this form fits the
 * following attention). Any number of tasks and output channels, from the dataset; output functions
 * by task name ({@link PixelHeads}). Images must have sides divisible by {@code 2^L} (the official
 * model fails on others too). Initial values are drawn from meta4j's generator (same
 * distributions: {@code xavier_normal_}, zero biases, BN ones and zeros), so they differ from
 * PyTorch's draws. Max-unpooling is a mask formulation ({@link IndexedMaxPool}) and the bilinear
 * upsampling two matrix products ({@link Bilinear}), equal to PyTorch's operators.
 */
public final class MtanSegNet implements Backbone {

    static final String NAME = "mtan-segnet";

    private final Layers layers;
    private final SegNetTrunk trunk;
    private final PixelHeads heads;

    MtanSegNet(Config c, Layers layers) {
        this.layers = layers;
        this.trunk = new SegNetTrunk(c.getIntList("filters"), layers);
        this.heads = new PixelHeads(c, layers);
    }

    @Override
    public Params init(DataSpec spec, Rng rng, NDManager manager, DataType dataType) {
        long[] in = trunk.checkInput(NAME, spec);
        heads.check(NAME, spec);
        Params.Builder b = Params.builder();
        trunk.declare(b, in[0], manager, rng, dataType);
        int levels = trunk.levels();
        for (String task : taskNames(spec)) {
            for (int j = 0; j < levels; j++) {
                long f = trunk.filters(j);
                layers.attention(b, "encoder.encoder_att." + task + "." + j, j == 0 ? f : 2 * f, f, f, manager, rng,
                        dataType);
            }
        }
        for (String task : taskNames(spec)) {
            for (int k = 0; k < levels; k++) {
                long out = trunk.decoderChannels(k);
                layers.attention(b, "encoder.decoder_att." + task + "." + k, trunk.filters(k) + out, out, out, manager,
                        rng, dataType);
            }
        }
        for (int j = 0; j < levels; j++) {
            layers.convBn(b, "encoder.encoder_block_att." + j, trunk.filters(Math.min(j + 1, levels - 1)),
                    trunk.filters(j), 3, true, Layers.Weights.XAVIER, manager, rng, dataType);
        }
        for (int k = 0; k < levels; k++) {
            layers.convBn(b, "encoder.decoder_block_att." + k, trunk.decoderChannels(k), trunk.filters(k), 3, true,
                    Layers.Weights.XAVIER, manager, rng, dataType);
        }
        heads.declare(b, spec, trunk.filters(0), manager, rng, dataType);
        return b.build();
    }

    private static List<String> taskNames(DataSpec spec) {
        List<String> names = new ArrayList<>();
        spec.tasks().forEach(t -> names.add(t.name()));
        return names;
    }

    /** The tasks whose attention streams a parameter set has, in order. */
    private static List<String> streams(Params p) {
        List<String> tasks = new ArrayList<>();
        String prefix = "encoder.encoder_att.";
        String suffix = ".0.conv1.weight";
        for (String name : p.names()) {
            if (name.startsWith(prefix) && name.endsWith(suffix)) {
                tasks.add(name.substring(prefix.length(), name.length() - suffix.length()));
            }
        }
        return tasks;
    }

    @Override
    public NDArray encode(Params params, NDArray input, Forward forward) {
        SegNetTrunk.Features f = trunk.run(params, input, forward);
        int levels = trunk.levels();
        NDList features = new NDList();
        for (String task : streams(params)) {
            NDArray a = null;
            for (int j = 0; j < levels; j++) {
                NDArray in = j == 0 ? f.encIn().get(0) : NDArrays.concat(new NDList(f.encIn().get(j), a), 1);
                NDArray masked = layers.attention(params, "encoder.encoder_att." + task + "." + j, in, forward)
                        .mul(f.encOut().get(j));
                a = layers.convBnRelu(params, "encoder.encoder_block_att." + j, masked, forward);
                a = Pool.maxPool2d(a, new ai.djl.ndarray.types.Shape(2, 2), new ai.djl.ndarray.types.Shape(2, 2),
                        new ai.djl.ndarray.types.Shape(0, 0), false);
            }
            for (int j = 0; j < levels; j++) {
                int k = levels - 1 - j;
                NDArray u = layers.convBnRelu(params, "encoder.decoder_block_att." + k, Bilinear.upsample2x(a), forward);
                NDArray in = NDArrays.concat(new NDList(f.up().get(j), u), 1);
                a = layers.attention(params, "encoder.decoder_att." + task + "." + k, in, forward).mul(f.dec().get(j));
            }
            features.add(a);
        }
        return NDArrays.stack(features, 1);
    }

    @Override
    public NDList heads(Params params, NDArray representation, Forward forward) {
        List<String> stems = PixelHeads.stems(params);
        NDList out = new NDList(stems.size());
        for (int t = 0; t < stems.size(); t++) {
            out.add(heads.apply(params, stems.get(t), representation.get(":, " + t)));
        }
        return out;
    }

    /** Registers {@code mtan-segnet}. */
    @AutoService(BackboneFactory.class)
    public static final class Factory implements BackboneFactory {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String summary() {
            return "SegNet with task-specific attention (MTAN, Liu et al. 2019): the FAMO/Nash-MTL NYUv2 and Cityscapes model";
        }

        @Override
        public Backbone create(PluginContext ctx) {
            return new MtanSegNet(ctx.config(), new Layers(ctx.config(), ctx.convolution(), ctx.autograd()));
        }
    }
}
