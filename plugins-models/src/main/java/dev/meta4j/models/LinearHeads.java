package dev.meta4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.core.Linear;
import dev.meta4j.api.Rng;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.model.Params;

/**
 * One linear layer per head, read from the parameters in their order: every head parameter
 * {@code <stem>.weight} ({@code [out, in]}, PyTorch's layout) with its {@code <stem>.bias}. Task-
 * batched weights ({@code [T, out, in]}) map {@code [T, N, in]} to {@code [T, N, out]}.
 */
public final class LinearHeads {

    private LinearHeads() {}

    /**
     * Declares one linear head per task of a dataset on a {@code features}-wide embedding:
     * {@code head.<task>.weight} {@code [outputs, features]} and {@code head.<task>.bias}, with
     * PyTorch's {@code nn.Linear} default initialisation U(±1/sqrt(features)), weight then bias,
     * task by task from the generator.
     *
     * @param b the builder
     * @param spec the dataset's tasks
     * @param features the embedding's width
     * @param manager where the arrays live
     * @param rng the initialisation's generator
     * @param dataType the floating-point type
     */
    static void declare(Params.Builder b, DataSpec spec, long features, NDManager manager, Rng rng, DataType dataType) {
        double bound = 1.0 / Math.sqrt(features);
        for (int t = 0; t < spec.taskCount(); t++) {
            Task task = spec.tasks().get(t);
            b.addHead(t, "head." + task.name() + ".weight",
                    UniformInit.uniform(manager, rng, bound, dataType, task.outputs(), features));
            b.addHead(t, "head." + task.name() + ".bias", UniformInit.uniform(manager, rng, bound, dataType, task.outputs()));
        }
    }

    /**
     * The heads' outputs.
     *
     * @param params the parameters; the heads are those not of the encoder
     * @param representation {@code [N, in]}, or {@code [T, N, in]}
     * @return one output per head, in order
     */
    public static NDList apply(Params params, NDArray representation) {
        NDList out = new NDList();
        for (String name : params.names()) {
            if (params.headOf(name) != Params.ENCODER && name.endsWith(".weight")) {
                String stem = name.substring(0, name.length() - ".weight".length());
                NDArray w = params.get(name);
                NDArray b = params.get(stem + ".bias");
                if (w.getShape().dimension() == 3) {
                    out.add(representation.matMul(w.transpose(0, 2, 1)).add(b.expandDims(1)));
                } else {
                    out.add(Linear.linear(representation, w, b).singletonOrThrow());
                }
            }
        }
        return out;
    }
}
