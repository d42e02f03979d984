package dev.meta4j.models.dense;

import dev.meta4j.models.Temporaries;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import com.typesafe.config.Config;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.model.Convolution;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;

/**
 * The convolution and batch-norm layers the dense models are made of, declared into {@link Params}
 * and applied from them by name, so that the models keep no state.
 *
 * <p>A convolution {@code <name>} has {@code <name>.weight} ({@code [out, in, k, k]}) and, unless
 * declared without, {@code <name>.bias}; it pads {@code k / 2} (same size for odd {@code k}) and
 * runs through the injected {@link Convolution} (never DJL's {@code Conv2d}: the oneDNN
 * channels-first trap, DESIGN.md). Batch norm is inductive (PyTorch's {@code BatchNorm2d}/{@code
 * BatchNorm1d} in train/eval mode: batch statistics and a running-statistics update in training,
 * the running statistics in evaluation), with the model's momentum and eps: the shared {@link
 * dev.meta4j.models.BatchNorm}, inductive (its training pass is the engine's fused {@code
 * batch_norm}: MTAN, batch 2 at 288×384, 2 threads, forward + backward 88 s with a composed one,
 * 70 s fused).
 * The composite layers ({@link #convBnRelu}, {@link #attention}) free their intermediate arrays
 * when they return ({@link Temporaries}).
 */
final class Layers {

    private final Convolution convolution;
    private final Autograd autograd;
    private final double momentum;
    private final double eps;

    /**
     * Layers with the batch-norm settings of a model's config ({@code bn-momentum}, {@code bn-eps}).
     *
     * @param c the model's settings
     * @param convolution the engine's convolution
     * @param autograd pauses recording for the running-statistics updates
     */
    Layers(Config c, Convolution convolution, Autograd autograd) {
        this(convolution, autograd, c.getDouble("bn-momentum"), c.getDouble("bn-eps"));
    }

    Layers(Convolution convolution, Autograd autograd, double momentum, double eps) {
        if (!(momentum > 0 && momentum <= 1) || !(eps > 0)) {
            throw new IllegalArgumentException("bn-momentum must lie in (0, 1] and bn-eps be positive, got " + momentum
                    + " and " + eps);
        }
        this.convolution = convolution;
        this.autograd = autograd;
        this.momentum = momentum;
        this.eps = eps;
    }

    /** How a layer's weights are drawn. */
    enum Weights {
        /** {@code xavier_normal_} weights and zero biases (MTAN's SegNet). */
        XAVIER,
        /** PyTorch's default: weights and biases {@code U(±1/sqrt(fan_in))}. */
        TORCH_DEFAULT
    }

    /**
     * Declares a convolution.
     *
     * @param b the builder
     * @param head the head, or {@link Params#ENCODER}
     * @param name the stem
     * @param out output channels
     * @param in input channels
     * @param k the kernel's side
     * @param bias whether it has a bias
     * @param init how to draw the weights
     * @param m the parameters' manager
     * @param rng the generator
     * @param type the floating-point type
     */
    static void conv(Params.Builder b, int head, String name, long out, long in, int k, boolean bias, Weights init,
            NDManager m, Rng rng, DataType type) {
        double bound = 1.0 / Math.sqrt(in * k * k);
        b.addHead(head, name + ".weight", init == Weights.XAVIER
                ? Init.xavierNormal(m, rng, type, out, in, k, k)
                : Init.uniform(m, rng, bound, type, out, in, k, k));
        if (bias) {
            b.addHead(head, name + ".bias", init == Weights.XAVIER
                    ? Init.constant(m, 0, type, out)
                    : Init.uniform(m, rng, bound, type, out));
        }
    }

    /**
     * Declares a linear layer {@code <name>.weight} ({@code [out, in]}) with an optional bias,
     * PyTorch's default initialisation.
     *
     * @param b the builder
     * @param head the head, or {@link Params#ENCODER}
     * @param name the stem
     * @param out outputs
     * @param in inputs
     * @param bias whether it has a bias
     * @param m the parameters' manager
     * @param rng the generator
     * @param type the floating-point type
     */
    static void linear(Params.Builder b, int head, String name, long out, long in, boolean bias, NDManager m, Rng rng,
            DataType type) {
        double bound = 1.0 / Math.sqrt(in);
        b.addHead(head, name + ".weight", Init.uniform(m, rng, bound, type, out, in));
        if (bias) {
            b.addHead(head, name + ".bias", Init.uniform(m, rng, bound, type, out));
        }
    }

    /**
     * Declares a batch norm {@code <name>} over {@code channels}: weight (ones), bias (zeros) and
     * the running-statistics buffers.
     *
     * @param b the builder
     * @param head the head, or {@link Params#ENCODER}
     * @param name the stem
     * @param channels the channel count
     * @param m the parameters' manager
     * @param type the floating-point type
     */
    void batchNorm(Params.Builder b, int head, String name, long channels, NDManager m, DataType type) {
        norm(name).declare(b, head, Math.toIntExact(channels), m, type);
    }

    /**
     * Declares {@code <name>.conv} (3×3 unless {@code k} says otherwise) and {@code <name>.bn}.
     *
     * @param b the builder
     * @param name the stem
     * @param out output channels
     * @param in input channels
     * @param k the kernel's side
     * @param bias whether the convolution has a bias
     * @param init how to draw the weights
     * @param m the parameters' manager
     * @param rng the generator
     * @param type the floating-point type
     */
    void convBn(Params.Builder b, String name, long out, long in, int k, boolean bias, Weights init, NDManager m,
            Rng rng, DataType type) {
        conv(b, Params.ENCODER, name + ".conv", out, in, k, bias, init, m, rng, type);
        batchNorm(b, Params.ENCODER, name + ".bn", out, m, type);
    }

    /**
     * Declares MTAN's attention module {@code <name>}: {@code conv1} 1×1 ({@code in → mid}),
     * {@code bn1}, {@code conv2} 1×1 ({@code mid → out}), {@code bn2}, Xavier weights.
     *
     * @param b the builder
     * @param name the stem
     * @param in input channels
     * @param mid hidden channels
     * @param out output channels
     * @param m the parameters' manager
     * @param rng the generator
     * @param type the floating-point type
     */
    void attention(Params.Builder b, String name, long in, long mid, long out, NDManager m, Rng rng, DataType type) {
        conv(b, Params.ENCODER, name + ".conv1", mid, in, 1, true, Weights.XAVIER, m, rng, type);
        batchNorm(b, Params.ENCODER, name + ".bn1", mid, m, type);
        conv(b, Params.ENCODER, name + ".conv2", out, mid, 1, true, Weights.XAVIER, m, rng, type);
        batchNorm(b, Params.ENCODER, name + ".bn2", out, m, type);
    }

    // ---- forward ----

    /**
     * A declared convolution, stride 1, padding {@code k / 2}.
     *
     * @param p the parameters
     * @param name the stem
     * @param x {@code [N, in, H, W]}
     * @return {@code [N, out, H', W']}
     */
    NDArray conv(Params p, String name, NDArray x) {
        NDArray w = p.get(name + ".weight");
        NDArray bias = p.contains(name + ".bias") ? p.get(name + ".bias") : null;
        int k = Math.toIntExact(w.getShape().get(2));
        return convolution.conv2d(x, w, bias, 1, k / 2);
    }

    /**
     * A declared batch norm.
     *
     * @param p the parameters
     * @param name the stem
     * @param x {@code [N, C, ...]}
     * @param forward training (batch statistics; running statistics updated) or evaluation
     * @return the normalised batch
     */
    NDArray bn(Params p, String name, NDArray x, Forward forward) {
        return norm(name).apply(p, x, forward);
    }

    /**
     * {@code relu(bn(conv(x)))} of a layer declared by {@link #convBn}.
     *
     * @param p the parameters
     * @param name the stem
     * @param x the input
     * @param forward training or evaluation
     * @return the output
     */
    NDArray convBnRelu(Params p, String name, NDArray x, Forward forward) {
        return Temporaries.scoped(x, in -> Activation.relu(bn(p, name + ".bn", conv(p, name + ".conv", in), forward)));
    }

    /**
     * MTAN's attention mask {@code sigmoid(bn2(conv2(relu(bn1(conv1(x))))))}, in (0, 1).
     *
     * @param p the parameters
     * @param name the stem
     * @param x the input
     * @param forward training or evaluation
     * @return the mask
     */
    NDArray attention(Params p, String name, NDArray x, Forward forward) {
        return Temporaries.scoped(x, in -> {
            NDArray h = Activation.relu(bn(p, name + ".bn1", conv(p, name + ".conv1", in), forward));
            return Activation.sigmoid(bn(p, name + ".bn2", conv(p, name + ".conv2", h), forward));
        });
    }

    private dev.meta4j.models.BatchNorm norm(String name) {
        return new dev.meta4j.models.BatchNorm(name, momentum, eps, false, autograd);
    }
}
