package dev.meta4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.BackboneFactory;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import java.util.List;

/**
 * A multi-layer perceptron: fully connected layers with an activation between them, for a
 * single-task dataset.
 *
 * <p>Weights are stored as {@code [in, out]} so that a batch is {@code x.matMul(w)}; with a
 * leading task dimension ({@code [T, in, out]}) the same code becomes one batched matmul for a
 * whole meta-batch. Initialisation is PyTorch's {@code nn.Linear} default, {@code U(-1/sqrt(in),
 * 1/sqrt(in))} for weights and biases.
 *
 * <p>The last layer is the head (head 0, ANIL's adapted part); the hidden layers are the
 * encoder, and the representation is the last hidden activation.
 */
public final class Mlp implements Backbone {

    private final int[] hidden;
    private final boolean tanh;

    Mlp(Config c) {
        List<Integer> h = c.getIntList("hidden");
        this.hidden = h.stream().mapToInt(Integer::intValue).toArray();
        for (int w : hidden) {
            if (w < 1) {
                throw new IllegalArgumentException("hidden widths must be positive, got " + h);
            }
        }
        this.tanh = c.getString("activation").equals("tanh");
    }

    @Override
    public Params init(DataSpec spec, Rng rng, NDManager manager, DataType dataType) {
        long[] in = spec.inputShape();
        if (in.length != 1) {
            throw new IllegalArgumentException("mlp takes flat inputs, the dataset's are " + new Shape(in));
        }
        if (spec.taskCount() != 1) {
            throw new IllegalArgumentException("mlp has one output head, the dataset has " + spec.taskCount()
                    + " tasks; use a multi-head model such as lenet-hps");
        }
        int outputs = spec.tasks().get(0).outputs();
        int prev = Math.toIntExact(in[0]);
        Params.Builder b = Params.builder();
        for (int layer = 0; layer <= hidden.length; layer++) {
            int out = layer < hidden.length ? hidden[layer] : outputs;
            double bound = 1.0 / Math.sqrt(prev);
            int head = layer < hidden.length ? Params.ENCODER : 0;
            b.addHead(head, "layer" + layer + ".weight", UniformInit.uniform(manager, rng, bound, dataType, prev, out));
            b.addHead(head, "layer" + layer + ".bias", UniformInit.uniform(manager, rng, bound, dataType, out));
            prev = out;
        }
        return b.build();
    }

    @Override
    public NDArray encode(Params params, NDArray input, Forward forward) {
        NDArray h = input;
        for (int layer = 0; layer < hidden.length; layer++) {
            h = affine(params, layer, h);
            h = tanh ? h.tanh() : h.getNDArrayInternal().relu();
        }
        return h;
    }

    @Override
    public NDList heads(Params params, NDArray representation, Forward forward) {
        return new NDList(affine(params, hidden.length, representation));
    }

    private static NDArray affine(Params params, int layer, NDArray h) {
        NDArray w = params.get("layer" + layer + ".weight");
        NDArray b = params.get("layer" + layer + ".bias");
        if (w.getShape().dimension() == 3) {
            // task-batched: x [T, N, in] @ w [T, in, out] + b [T, 1, out]
            return h.batchMatMul(w).add(b.expandDims(1));
        }
        return h.matMul(w).add(b);
    }

    @Override
    public boolean supportsTaskBatch() {
        return true;
    }

    /** Registers {@code mlp}. */
    @AutoService(BackboneFactory.class)
    public static final class Factory implements BackboneFactory {
        @Override
        public String name() {
            return "mlp";
        }

        @Override
        public String summary() {
            return "fully connected network (sine MAML: 1-40-40-1, ReLU); supports task-batched forward";
        }

        @Override
        public Backbone create(PluginContext ctx) {
            return new Mlp(ctx.config());
        }
    }
}
