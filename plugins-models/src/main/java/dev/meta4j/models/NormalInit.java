package dev.meta4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;

/**
 * He et al.'s (2015) normal initialisation of convolution weights, {@code N(0, 2 / fan)}, drawn
 * from the experiment's {@link Rng} so that it is reproducible.
 *
 * <p>The normal draws are Box-Muller pairs computed with {@code StrictMath}, not {@code
 * Rng.nextGaussian()}: the JDK's Gaussian goes through {@code Math.log}/{@code Math.exp} in its
 * tails, whose last bit may change when the JIT compiles them (DESIGN.md, "Java's Math is not
 * reproducible across a run"), and a model's initial weights must be the same in every process.
 */
final class NormalInit {

    private NormalInit() {}

    /**
     * Kaiming-normal weights of a convolution, {@code std = sqrt(2 / (out · kh · kw))}: PyTorch's
     * {@code kaiming_normal_(mode='fan_out')} with gain {@code sqrt(2)}, which is also what the
     * original Wide ResNet code draws ({@code normal_(0, sqrt(2 / (k·k·out)))}).
     *
     * @param manager the long-lived manager of the parameters
     * @param rng the generator
     * @param type the parameter's type
     * @param shape {@code [out, in, kh, kw]}
     * @return the weight, requiring gradients
     */
    static NDArray kaimingFanOut(NDManager manager, Rng rng, DataType type, long... shape) {
        double std = Math.sqrt(2.0 / (shape[0] * shape[2] * shape[3]));
        return normal(manager, rng, std, type, shape);
    }

    /**
     * A parameter filled with {@code N(0, std²)} draws, in memory PyTorch owns, requiring gradients.
     *
     * @param manager the long-lived manager of the parameters
     * @param rng the generator
     * @param std the standard deviation
     * @param type the parameter's type
     * @param shape the parameter's shape
     * @return the parameter
     */
    static NDArray normal(NDManager manager, Rng rng, double std, DataType type, long... shape) {
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
        NDArray owned;
        try (NDArray wrapped = manager.create(v, new Shape(shape))) {
            // duplicate(): toType to the same type would alias the Java buffer (DESIGN.md).
            owned = type == DataType.FLOAT64 ? wrapped.duplicate() : wrapped.toType(type, false);
        }
        owned.setRequiresGradient(true);
        return owned;
    }
}
