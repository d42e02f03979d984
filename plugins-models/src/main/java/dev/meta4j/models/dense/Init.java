package dev.meta4j.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.models.UniformInit;

/**
 * The initialisations the dense models use, drawn from the experiment's {@link Rng} in parameter
 * order so that a seed gives one model: PyTorch's default for linear and convolution layers
 * ({@link #uniform}), MTAN's {@code xavier_normal_} for SegNet's convolutions ({@link
 * #xavierNormal}) and constants.
 *
 * <p>Normal draws are Box-Muller pairs computed with {@code StrictMath}, not {@code
 * Rng.nextGaussian()}: the JDK's Gaussian uses {@code Math.log}/{@code Math.exp}, whose last bit
 * may change when the JIT compiles them (DESIGN.md), and initial weights must be the same in every
 * process.
 */
final class Init {

    private Init() {}

    /**
     * {@code U(-bound, bound)}, PyTorch's default with {@code bound = 1/sqrt(fan_in)}.
     *
     * @param m the parameters' manager
     * @param rng the generator
     * @param bound the half-width
     * @param type the floating-point type
     * @param shape the shape
     * @return a leaf that requires a gradient
     */
    static NDArray uniform(NDManager m, Rng rng, double bound, DataType type, long... shape) {
        return UniformInit.uniform(m, rng, bound, type, shape);
    }

    /**
     * Glorot &amp; Bengio's normal initialisation of a convolution weight {@code [out, in, kh, kw]},
     * {@code N(0, 2 / (fan_in + fan_out))} with {@code fan_in = in·kh·kw} and {@code fan_out =
     * out·kh·kw}: PyTorch's {@code xavier_normal_} with gain 1, which MTAN's code applies to every
     * convolution.
     *
     * @param m the parameters' manager
     * @param rng the generator
     * @param type the floating-point type
     * @param shape {@code [out, in, kh, kw]}
     * @return a leaf that requires a gradient
     */
    static NDArray xavierNormal(NDManager m, Rng rng, DataType type, long... shape) {
        long receptive = shape[2] * shape[3];
        double std = Math.sqrt(2.0 / (shape[0] * receptive + shape[1] * receptive));
        double[] v = new double[Math.toIntExact(new Shape(shape).size())];
        for (int i = 0; i < v.length; i += 2) {
            double u1 = 1.0 - rng.nextDouble(); // (0, 1], so the log is finite
            double u2 = rng.nextDouble();
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * std;
            double angle = 2.0 * StrictMath.PI * u2;
            v[i] = r * StrictMath.cos(angle);
            if (i + 1 < v.length) {
                v[i + 1] = r * StrictMath.sin(angle);
            }
        }
        return owned(m, v, type, shape);
    }

    /**
     * A constant leaf (zeros for biases).
     *
     * @param m the parameters' manager
     * @param value the value
     * @param type the floating-point type
     * @param shape the shape
     * @return a leaf that requires a gradient
     */
    static NDArray constant(NDManager m, double value, DataType type, long... shape) {
        NDArray a = m.full(new Shape(shape), (float) value, type);
        a.setRequiresGradient(true);
        return a;
    }

    private static NDArray owned(NDManager m, double[] v, DataType type, long... shape) {
        NDArray owned;
        try (NDArray wrapped = m.create(v, new Shape(shape))) {
            // duplicate(): toType to the same type would alias the Java buffer (DESIGN.md).
            owned = type == DataType.FLOAT64 ? wrapped.duplicate() : wrapped.toType(type, false);
        }
        owned.setRequiresGradient(true);
        return owned;
    }
}
