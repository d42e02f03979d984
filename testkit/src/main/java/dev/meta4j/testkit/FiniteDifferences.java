package dev.meta4j.testkit;

import java.util.function.ToDoubleFunction;

/**
 * Central finite differences of a scalar function of a few doubles, and the relative error to
 * compare them with an autograd gradient. Evaluate the function in float64 ({@link
 * PluginHarness#dataType}): with a step {@code h} near {@code 1e-6}, central differences are then
 * accurate to about {@code 1e-9} relative for smooth functions, far below any float32 error.
 */
public final class FiniteDifferences {

    private FiniteDifferences() {}

    /**
     * The gradient {@code (f(x + h e_i) - f(x - h e_i)) / 2h}, one coordinate at a time.
     *
     * @param f the function; it gets a fresh copy of the point each time and may keep it
     * @param x the point, not modified
     * @param h the step, positive
     * @return the gradient, one entry per coordinate of {@code x}
     * @throws IllegalArgumentException for a step that is not positive and finite
     */
    public static double[] gradient(ToDoubleFunction<double[]> f, double[] x, double h) {
        if (!(h > 0) || Double.isInfinite(h)) {
            throw new IllegalArgumentException("the finite-difference step must be positive and finite, got " + h);
        }
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double[] plus = x.clone();
            double[] minus = x.clone();
            plus[i] += h;
            minus[i] -= h;
            g[i] = (f.applyAsDouble(plus) - f.applyAsDouble(minus)) / (2 * h);
        }
        return g;
    }

    /**
     * The relative error {@code ||a - b|| / max(||a||, ||b||)} in the Euclidean norm (0 when both
     * are zero).
     *
     * @param a one vector
     * @param b another of the same length
     * @return the error
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double relativeError(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of lengths " + a.length + " and " + b.length);
        }
        double diff = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        double scale = Math.sqrt(Math.max(na, nb));
        return scale == 0 ? 0 : Math.sqrt(diff) / scale;
    }
}
