package dev.meta4j.runtime.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.meta4j.api.model.Params;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Central finite differences of a scalar function of parameters, for gradient checks in float64. */
public final class FiniteDifferences {

    private FiniteDifferences() {}

    /**
     * The gradient by central differences, one coordinate at a time.
     *
     * @param f the function; called with fresh leaf arrays (requiring gradients) in a sub-manager
     * @param at the point
     * @param h the step
     * @param manager the parent of the per-evaluation managers
     * @return the gradient, flattened in parameter order
     */
    public static double[] gradient(ToDoubleFunction<Params> f, Params at, double h, NDManager manager) {
        List<double[]> values = new ArrayList<>();
        int total = 0;
        for (NDArray a : at.arrays()) {
            double[] v = a.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
            values.add(v);
            total += v.length;
        }
        double[] grad = new double[total];
        int offset = 0;
        for (int p = 0; p < values.size(); p++) {
            double[] v = values.get(p);
            for (int i = 0; i < v.length; i++) {
                double orig = v[i];
                v[i] = orig + h;
                double plus = eval(f, at, values, manager);
                v[i] = orig - h;
                double minus = eval(f, at, values, manager);
                v[i] = orig;
                grad[offset + i] = (plus - minus) / (2 * h);
            }
            offset += v.length;
        }
        return grad;
    }

    /**
     * The directional derivative along {@code direction} by central differences.
     *
     * @param f the function
     * @param at the point
     * @param direction flattened, in parameter order
     * @param h the step
     * @param manager the parent of the per-evaluation managers
     * @return the derivative
     */
    public static double directional(ToDoubleFunction<Params> f, Params at, double[] direction, double h,
            NDManager manager) {
        List<double[]> plus = new ArrayList<>();
        List<double[]> minus = new ArrayList<>();
        int off = 0;
        for (NDArray a : at.arrays()) {
            double[] v = a.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
            double[] p = v.clone();
            double[] m = v.clone();
            for (int i = 0; i < v.length; i++) {
                p[i] += h * direction[off + i];
                m[i] -= h * direction[off + i];
            }
            off += v.length;
            plus.add(p);
            minus.add(m);
        }
        return (eval(f, at, plus, manager) - eval(f, at, minus, manager)) / (2 * h);
    }

    private static double eval(ToDoubleFunction<Params> f, Params shape, List<double[]> values, NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            List<NDArray> arrays = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                NDArray a = m.create(values.get(i), shape.arrays().get(i).getShape());
                a.setRequiresGradient(true);
                arrays.add(a);
            }
            return f.applyAsDouble(shape.withArrays(arrays));
        }
    }

    /**
     * The relative error between the gradient that autograd gives for a loss with respect to
     * the trained parameters ({@link Params#trainable()}) and central finite differences of the
     * same loss, with the buffers held as they are passed in (a training pass may update them;
     * the loss must not read them then, as batch norm's training pass does not).
     *
     * @param loss the loss of a full parameter set (trained parameters and buffers), on arrays
     *     in the parameters' manager
     * @param at the point
     * @param autograd the engine's autograd
     * @param h the step
     * @param manager the parent of the per-evaluation managers
     * @return the relative error, as {@link #relativeError}
     */
    public static double trainableGradientError(java.util.function.Function<Params, NDArray> loss, Params at,
            dev.meta4j.api.autograd.Autograd autograd, double h, NDManager manager) {
        Params buffers = at.buffers();
        double[] analytic;
        try (dev.meta4j.api.autograd.Autograd.Scope rec = autograd.record()) {
            analytic = flatten(autograd.grad(loss.apply(at), at.trainable().arrays(),
                    dev.meta4j.api.autograd.GraphMode.RELEASE));
        }
        double[] numeric = gradient(q -> loss.apply(q.concat(buffers)).getDouble(), at.trainable(), h, manager);
        return relativeError(analytic, numeric);
    }

    /**
     * Flattens gradients in order.
     *
     * @param arrays the arrays
     * @return their values
     */
    public static double[] flatten(List<NDArray> arrays) {
        List<double[]> parts = new ArrayList<>();
        int n = 0;
        for (NDArray a : arrays) {
            double[] v = a.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
            parts.add(v);
            n += v.length;
        }
        double[] out = new double[n];
        int off = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    /**
     * The relative error {@code |a - b| / max(|a|, |b|)} in the Euclidean norm.
     *
     * @param a one vector
     * @param b the other
     * @return the relative error
     */
    public static double relativeError(double[] a, double[] b) {
        double diff = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(Math.max(na, nb)), 1e-300);
    }
}
