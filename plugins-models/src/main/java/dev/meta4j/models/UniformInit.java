package dev.meta4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;

/**
 * PyTorch's default initialisation of linear and convolution layers, {@code U(-1/sqrt(fan_in),
 * 1/sqrt(fan_in))} for weights and biases, drawn from the experiment's {@link Rng} so that it is
 * reproducible.
 */
public final class UniformInit {

    private UniformInit() {}

    /**
     * A parameter filled with uniform draws, in memory PyTorch owns, requiring gradients.
     *
     * @param manager the long-lived manager of the parameters
     * @param rng the generator
     * @param bound the half-width of the interval
     * @param type the parameter's type
     * @param shape the parameter's shape
     * @return the parameter
     */
    public static NDArray uniform(NDManager manager, Rng rng, double bound, DataType type, long... shape) {
        double[] v = new double[Math.toIntExact(new Shape(shape).size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.uniform(-bound, bound);
        }
        // The created array wraps a Java buffer; duplicate() copies it into torch-owned memory so
        // that the wrapper can be closed at once instead of staying in the manager for the run.
        NDArray owned;
        try (NDArray wrapped = manager.create(v, new Shape(shape))) {
            owned = type == DataType.FLOAT64 ? wrapped.duplicate() : wrapped.toType(type, false);
        }
        owned.setRequiresGradient(true);
        return owned;
    }
}
