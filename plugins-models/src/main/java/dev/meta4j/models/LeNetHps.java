package dev.meta4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.BackboneFactory;
import dev.meta4j.api.model.Convolution;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import java.util.HashSet;
import java.util.Set;

/**
 * The LeNet of Sener &amp; Koltun (2018) for MultiMNIST with hard parameter sharing: a shared
 * encoder and one linear head per task.
 *
 * <p>Encoder: conv 5×5 (C→10), max-pool 2, ReLU, conv 5×5 (10→20), max-pool 2, ReLU, flatten,
 * linear → 50, ReLU; for 1×36×36 inputs the flattened size is 20·6·6 = 720. Head of task
 * {@code t}: linear 50 → {@code outputs(t)}, giving logits. Parameter shapes are PyTorch's
 * ({@code conv [out, in, kh, kw]}, {@code linear [out, in]}), the same as the reference script
 * {@code mtl_weighting.py}; initialisation is PyTorch's default for {@code nn.Conv2d} and {@code
 * nn.Linear}, {@code U(-1/sqrt(fan_in), 1/sqrt(fan_in))} for weights and biases, drawn from the
 * given {@link Rng} in parameter order.
 *
 * <p>Parameters: {@code encoder.conv1.weight}, {@code encoder.conv1.bias}, {@code
 * encoder.conv2.*}, {@code encoder.fc.*} (shared) and {@code head.<task>.weight}, {@code
 * head.<task>.bias} for each task of the spec, in the spec's order, tagged with the task's
 * index as their head. {@link #heads} reads the heads from the parameters it is given, in their
 * order, so the model keeps no state of its own.
 */
public final class LeNetHps implements Backbone {

    private static final String HEAD = "head.";
    private static final Shape POOL = new Shape(2, 2);
    private static final Shape NO_PADDING = new Shape(0, 0);

    private final int conv1;
    private final int conv2;
    private final int kernel;
    private final int hidden;
    private final Convolution convolution;

    LeNetHps(Config c, Convolution convolution) {
        this.convolution = convolution;
        this.conv1 = c.getInt("conv1-channels");
        this.conv2 = c.getInt("conv2-channels");
        this.kernel = c.getInt("kernel");
        this.hidden = c.getInt("hidden");
        if (conv1 < 1 || conv2 < 1 || kernel < 1 || hidden < 1) {
            throw new IllegalArgumentException("channels, kernel and hidden must be positive");
        }
    }

    /** Side after conv (valid) and max-pool 2 (floor), twice. */
    private int encodedSide(long side) {
        long s = (side - kernel + 1) / 2;
        s = (s - kernel + 1) / 2;
        return (int) s;
    }

    @Override
    public Params init(DataSpec spec, Rng rng, NDManager manager, DataType dataType) {
        long[] in = spec.inputShape();
        if (in.length != 3) {
            throw new IllegalArgumentException("lenet-hps takes images [channels, height, width], the dataset's"
                    + " inputs are " + new Shape(in));
        }
        int h = encodedSide(in[1]);
        int w = encodedSide(in[2]);
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException("lenet-hps needs images of at least " + (3 * kernel + 1)
                    + " pixels a side for " + kernel + "x" + kernel + " kernels; the dataset's are " + new Shape(in));
        }
        Set<String> seen = new HashSet<>();
        for (Task t : spec.tasks()) {
            if (!seen.add(t.name())) {
                throw new IllegalArgumentException("two tasks are named '" + t.name() + "'; head names must be unique");
            }
        }

        int channels = Math.toIntExact(in[0]);
        int flat = conv2 * h * w;
        Params.Builder b = Params.builder();
        int enc = Params.ENCODER;
        addLayer(b, enc, "encoder.conv1", rng, manager, dataType, channels * kernel * kernel, conv1, channels, kernel, kernel);
        addLayer(b, enc, "encoder.conv2", rng, manager, dataType, conv1 * kernel * kernel, conv2, conv1, kernel, kernel);
        addLayer(b, enc, "encoder.fc", rng, manager, dataType, flat, hidden, flat);
        for (int t = 0; t < spec.taskCount(); t++) {
            Task task = spec.tasks().get(t);
            addLayer(b, t, HEAD + task.name(), rng, manager, dataType, hidden, task.outputs(), hidden);
        }
        return b.build();
    }

    /** A weight {@code [out, ...in]} then a bias {@code [out]}, both U(±1/sqrt(fanIn)). */
    private static void addLayer(Params.Builder b, int head, String name, Rng rng, NDManager m, DataType type,
            int fanIn, long out, long... inShape) {
        double bound = 1.0 / Math.sqrt(fanIn);
        long[] shape = new long[inShape.length + 1];
        shape[0] = out;
        System.arraycopy(inShape, 0, shape, 1, inShape.length);
        b.addHead(head, name + ".weight", UniformInit.uniform(m, rng, bound, type, shape));
        b.addHead(head, name + ".bias", UniformInit.uniform(m, rng, bound, type, out));
    }

    @Override
    public NDArray encode(Params params, NDArray input, Forward forward) {
        // Each op's first operand is the input or a result computed from it, so every
        // intermediate joins the input's (per-step) manager, never the parameters'.
        NDArray h = convolution.conv2d(input, params.get("encoder.conv1.weight"), params.get("encoder.conv1.bias"), 1, 0);
        h = Activation.relu(Pool.maxPool2d(h, POOL, POOL, NO_PADDING, false));
        h = convolution.conv2d(h, params.get("encoder.conv2.weight"), params.get("encoder.conv2.bias"), 1, 0);
        h = Activation.relu(Pool.maxPool2d(h, POOL, POOL, NO_PADDING, false));
        h = h.reshape(h.getShape().get(0), -1);
        h = Linear.linear(h, params.get("encoder.fc.weight"), params.get("encoder.fc.bias")).singletonOrThrow();
        return Activation.relu(h);
    }

    @Override
    public NDList heads(Params params, NDArray representation, Forward forward) {
        return LinearHeads.apply(params, representation);
    }

    /** Registers {@code lenet-hps}. */
    @AutoService(BackboneFactory.class)
    public static final class Factory implements BackboneFactory {
        @Override
        public String name() {
            return "lenet-hps";
        }

        @Override
        public String summary() {
            return "LeNet shared encoder (Sener & Koltun 2018 MultiMNIST) with one linear head per task";
        }

        @Override
        public Backbone create(PluginContext ctx) {
            return new LeNetHps(ctx.config(), ctx.convolution());
        }
    }
}
