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
import java.util.List;

/**
 * The ResNet-12 of MetaOptNet (Lee et al. 2019) and RFS (Tian et al. 2020), after TADAM and SNAIL:
 * four residual blocks of {@code channels} (64, 160, 320, 640) filters, each
 * <pre>
 *   out = BN(conv3x3(LReLU(BN(conv3x3(LReLU(BN(conv3x3(x))))))))
 *   out = maxpool2(LReLU(out + BN(conv1x1(x))))
 *   out = DropBlock(out) in the last two blocks, dropout(out) in the others (training only)
 * </pre>
 * with LeakyReLU slope 0.1, convolutions without bias (padding 1, stride 1), and then either the
 * flattened map ({@code avg-pool = false}, MetaOptNet: 640·5·5 = 16,000 features on 84×84 images)
 * or its spatial mean ({@code avg-pool = true}, RFS: 640). On 32×32 images (CIFAR-FS, FC100) the
 * map is 2×2. 12,424,320 parameters with the default widths, as MetaOptNet's {@code resnet12()}.
 *
 * <p>Regularisation as in their code ({@code drop-rate} 0.1): {@link DropBlock} with squares of
 * {@code dropblock-size} (5 for mini/tiered-ImageNet, 2 for CIFAR-FS/FC100) and a rate that grows
 * over the first {@code dropblock-warmup-steps}; plain dropout of {@code drop-rate}, without a
 * schedule, after the first two blocks. Both draw their masks from the pass's {@link Forward#rng()}
 * through {@link PluginContext#random()}, and are the identity in evaluation.
 *
 * <p>Initialisation as theirs: convolutions {@code kaiming_normal_(mode='fan_out',
 * nonlinearity='leaky_relu')}, which without the slope argument is {@code N(0, 2 / (out·k²))}
 * ({@link NormalInit}); batch norm scale 1, shift 0. A linear head ({@code head = linear}) gets
 * PyTorch's default {@code nn.Linear} initialisation, as RFS's classifier.
 *
 * <p>Parameters: {@code encoder.block<i>.conv<j>.weight} and {@code encoder.block<i>.bn<j>.*}
 * ({@code j} = 1..3), {@code encoder.block<i>.shortcut.conv.weight} and {@code
 * encoder.block<i>.shortcut.bn.*}, in the order of the reference module's parameters; the batch
 * norms' running statistics are buffers ({@link BatchNorm}); with a head, {@code
 * head.<task>.weight/bias}. Task-batched parameters ({@link Params#replicate}) are supported: the
 * convolutions run task by task, everything else on the whole batch.
 *
 * <p><b>Deviations</b> from the reference code (besides DropBlock's, see {@link DropBlock}):
 * <ul>
 *   <li>Average pooling is the mean over the whole map (RFS's {@code AdaptiveAvgPool2d(1)});
 *       MetaOptNet's {@code AvgPool2d(5, stride=1)} is the same on 84×84 images and fails on
 *       smaller ones.</li>
 *   <li>The reference's unused {@code keep_prob} dropout is left out; the number of blocks follows
 *       the length of {@code channels}, DropBlock being in the last two.</li>
 *   <li>In float64, DJL's {@code leakyRelu} takes its slope as a float: 0.1f, 1.5e-9 away from
 *       the reference's 0.1 (float32 rounds 0.1 to 0.1f anyway).</li>
 * </ul>
 */
public final class ResNet12 implements Backbone {

    private static final float SLOPE = 0.1f;

    private final int[] channels;
    private final boolean linearHead;
    private final boolean averagePool;
    private final double dropRate;
    private final Convolution convolution;
    private final RandomArrays random;
    private final Autograd autograd;
    private final DropBlock dropBlock;
    /** Per block: the three batch norms of the main path and the shortcut's. */
    private final BatchNorm[][] norms;

    ResNet12(Config c, Convolution convolution, RandomArrays random, Autograd autograd) {
        List<Integer> widths = c.getIntList("channels");
        if (widths.isEmpty() || widths.stream().anyMatch(w -> w < 1)) {
            throw new IllegalArgumentException("channels must list at least one positive width, got " + widths);
        }
        this.channels = widths.stream().mapToInt(Integer::intValue).toArray();
        this.linearHead = c.getString("head").equals("linear");
        this.averagePool = c.getBoolean("avg-pool");
        this.dropRate = c.getDouble("drop-rate");
        double momentum = c.getDouble("bn-momentum");
        double eps = c.getDouble("bn-eps");
        if (!(dropRate >= 0 && dropRate < 1)) {
            throw new IllegalArgumentException("drop-rate must lie in [0, 1), got " + dropRate);
        }
        if (!(momentum > 0 && momentum <= 1) || !(eps > 0)) {
            throw new IllegalArgumentException("bn-momentum must lie in (0, 1] and bn-eps be positive");
        }
        this.convolution = convolution;
        this.random = random;
        this.autograd = autograd;
        this.dropBlock = new DropBlock(c.getInt("dropblock-size"), dropRate, c.getLong("dropblock-warmup-steps"),
                random, autograd);
        this.norms = new BatchNorm[channels.length][];
        for (int i = 0; i < channels.length; i++) {
            String s = block(i);
            norms[i] = new BatchNorm[] {new BatchNorm(s + ".bn1", momentum, eps, false, autograd),
                new BatchNorm(s + ".bn2", momentum, eps, false, autograd), new BatchNorm(s + ".bn3", momentum, eps, false, autograd),
                new BatchNorm(s + ".shortcut.bn", momentum, eps, false, autograd)};
        }
    }

    private static String block(int i) {
        return "encoder.block" + (i + 1);
    }

    /** Whether block {@code i} ends with DropBlock (the last two) rather than dropout. */
    private boolean hasDropBlock(int i) {
        return i >= channels.length - 2;
    }

    /**
     * The representation's width for a dataset.
     *
     * @param spec the dataset's shape
     * @return the last width, times the map's area without average pooling
     */
    long embeddingSize(DataSpec spec) {
        long[] in = spec.inputShape();
        long h = in[1] >> channels.length;
        long w = in[2] >> channels.length;
        return averagePool ? channels[channels.length - 1] : channels[channels.length - 1] * h * w;
    }

    @Override
    public Params init(DataSpec spec, Rng rng, NDManager manager, DataType dataType) {
        long[] in = spec.inputShape();
        if (in.length != 3) {
            throw new IllegalArgumentException("resnet12 takes images [channels, height, width], the dataset's inputs are "
                    + new Shape(in));
        }
        long h = in[1];
        long w = in[2];
        for (int i = 0; i < channels.length; i++) {
            h /= 2;
            w /= 2;
            if (h < 1 || w < 1) {
                throw new IllegalArgumentException("resnet12 with " + channels.length + " blocks needs images of at least "
                        + (1L << channels.length) + " pixels a side; the dataset's are " + new Shape(in));
            }
            if (dropRate > 0 && hasDropBlock(i) && (h < dropBlock.size() || w < dropBlock.size())) {
                throw new IllegalArgumentException("resnet12's block " + (i + 1) + " gives " + h + "x" + w
                        + " maps on the dataset's " + new Shape(in) + " images, smaller than dropblock-size = "
                        + dropBlock.size() + " (MetaOptNet uses 2 on 32x32 images); lower it or set drop-rate = 0");
            }
        }
        Params.Builder b = Params.builder();
        long inChannels = in[0];
        for (int i = 0; i < channels.length; i++) {
            int out = channels[i];
            String s = block(i);
            long c = inChannels;
            for (int j = 0; j < 3; j++) {
                b.add(s + ".conv" + (j + 1) + ".weight", NormalInit.kaimingFanOut(manager, rng, dataType, out, c, 3, 3));
                norms[i][j].declare(b, Params.ENCODER, out, manager, dataType);
                c = out;
            }
            b.add(s + ".shortcut.conv.weight", NormalInit.kaimingFanOut(manager, rng, dataType, out, inChannels, 1, 1));
            norms[i][3].declare(b, Params.ENCODER, out, manager, dataType);
            inChannels = out;
        }
        if (linearHead) {
            LinearHeads.declare(b, spec, embeddingSize(spec), manager, rng, dataType);
        }
        return b.build();
    }

    @Override
    public NDArray encode(Params params, NDArray input, Forward forward) {
        boolean batched = params.get(block(0) + ".bn1.weight").getShape().dimension() == 2;
        NDArray h = input;
        for (int i = 0; i < channels.length; i++) {
            int block = i;
            h = Temporaries.scoped(h, x -> block(params, x, block, forward));
        }
        return averagePool ? Layers.globalAveragePool(h) : Layers.flatten(h, batched);
    }

    /** Residual block {@code i}: its intermediates are freed when it returns ({@link Temporaries#scoped}). */
    private NDArray block(Params params, NDArray h, int i, Forward forward) {
        String s = block(i);
        BatchNorm[] bn = norms[i];
        NDArray out = h;
        for (int j = 0; j < 3; j++) {
            out = bn[j].apply(params, Layers.conv(convolution, out, params.get(s + ".conv" + (j + 1) + ".weight"), 1, 1),
                    forward);
            if (j < 2) {
                out = Activation.leakyRelu(out, SLOPE);
            }
        }
        NDArray shortcut = bn[3].apply(params, Layers.conv(convolution, h, params.get(s + ".shortcut.conv.weight"), 1, 0),
                forward);
        out = Layers.maxPool2(Activation.leakyRelu(out.add(shortcut), SLOPE));
        if (dropRate > 0) {
            out = hasDropBlock(i) ? dropBlock.apply(out, forward) : Layers.dropout(out, dropRate, forward, random, autograd);
        }
        return out;
    }

    @Override
    public NDList heads(Params params, NDArray representation, Forward forward) {
        return LinearHeads.apply(params, representation);
    }

    @Override
    public boolean supportsTaskBatch() {
        return true;
    }

    /** Registers {@code resnet12}. */
    @AutoService(BackboneFactory.class)
    public static final class Factory implements BackboneFactory {
        @Override
        public String name() {
            return "resnet12";
        }

        @Override
        public String summary() {
            return "ResNet-12 of MetaOptNet/RFS: 4 residual blocks (64-160-320-640), LeakyReLU, DropBlock; embedding or linear heads";
        }

        @Override
        public Backbone create(PluginContext ctx) {
            return new ResNet12(ctx.config(), ctx.convolution(), ctx.random(), ctx.autograd());
        }
    }
}
