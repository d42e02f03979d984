package dev.meta4j.support.linear;

/**
 * Limited-memory BFGS for smooth unconstrained minimisation in plain double arrays: the two-loop
 * recursion (Nocedal &amp; Wright, Algorithm 7.4) with the scaling {@code sᵀy / yᵀy} of the
 * initial inverse Hessian, and a line search that satisfies the strong Wolfe conditions
 * (Algorithms 3.5 and 3.6, {@code c1 = 1e-4}, {@code c2 = 0.9}, cubic interpolation safeguarded by
 * bisection).
 *
 * <p>Its stopping rules are those of scipy's L-BFGS-B without bounds, which scikit-learn's
 * {@code lbfgs} solver calls: stop when the largest gradient component is at most {@code gtol},
 * when an iteration lowers the objective by at most {@code ftol · max(|f_k|, |f_k+1|, 1)}, or after
 * {@code maxIterations} iterations. The first step is {@code 1 / |g|} along the steepest descent
 * (L-BFGS-B's), later steps start at 1. A pair with {@code sᵀy ≤ ε·yᵀy} is not stored (it would
 * make the inverse Hessian indefinite). L-BFGS-B's line search is Moré–Thuente's {@code dcsrch}:
 * where both accept the first trial step the iterates are the same (on scikit-learn's logistic
 * regression of few-shot episodes they agreed to 10⁻⁹ over 8-21 iterations); where a search needs
 * more trials they differ, and the two stop at different points within their tolerance around the
 * same minimiser of a strictly convex objective.
 *
 * <p>Everything is sequential double arithmetic, so results do not depend on threads or on the
 * JIT; what an objective computes with {@code Math} functions is its own concern.
 */
public final class Lbfgs {

    /** An objective with its gradient. */
    @FunctionalInterface
    public interface Objective {
        /**
         * The value at {@code x}, with its gradient written into {@code gradient}.
         *
         * @param x the point (not to be modified)
         * @param gradient where to write the gradient, of {@code x}'s length
         * @return the value
         */
        double valueAndGradient(double[] x, double[] gradient);
    }

    /** Why a minimisation stopped. */
    public enum Stop {
        /** The largest gradient component fell to {@code gtol}. */
        GRADIENT,
        /** An iteration lowered the objective by less than {@code ftol} relative. */
        VALUE,
        /** {@code maxIterations} iterations ran. */
        MAX_ITERATIONS,
        /** The line search found no acceptable step (the point is optimal to rounding). */
        LINE_SEARCH
    }

    /**
     * The outcome.
     *
     * @param x the last point
     * @param value the objective there
     * @param gradientMax the largest absolute gradient component there
     * @param iterations iterations taken
     * @param evaluations objective evaluations
     * @param stop why it stopped
     */
    public record Result(double[] x, double value, double gradientMax, int iterations, int evaluations, Stop stop) {}

    private static final double EPS = 2.220446049250313e-16;
    private static final double C1 = 1e-4;
    private static final double C2 = 0.9;

    private final int memory;
    private final double gtol;
    private final double ftol;
    private final int maxIterations;
    private final int maxLineSearch;

    /**
     * A solver.
     *
     * @param memory correction pairs kept (10: L-BFGS-B's default {@code maxcor})
     * @param gtol the gradient tolerance on the largest component (scikit-learn passes its {@code tol})
     * @param ftol the relative decrease tolerance (scipy's default is {@code 2.220446049250313e-09})
     * @param maxIterations the iteration limit (scikit-learn passes {@code max_iter})
     * @param maxLineSearch objective evaluations allowed per line search (20: scipy's {@code maxls})
     */
    public Lbfgs(int memory, double gtol, double ftol, int maxIterations, int maxLineSearch) {
        if (memory < 1 || maxIterations < 0 || maxLineSearch < 1 || !(gtol >= 0) || !(ftol >= 0)) {
            throw new IllegalArgumentException("L-BFGS needs memory >= 1, maxIterations >= 0, maxLineSearch >= 1 and "
                    + "non-negative tolerances; got " + memory + ", " + maxIterations + ", " + maxLineSearch + ", "
                    + gtol + ", " + ftol);
        }
        this.memory = memory;
        this.gtol = gtol;
        this.ftol = ftol;
        this.maxIterations = maxIterations;
        this.maxLineSearch = maxLineSearch;
    }

    /**
     * scipy's defaults with scikit-learn's tolerance and iteration limit.
     *
     * @param gtol the gradient tolerance
     * @param maxIterations the iteration limit
     * @return a solver with memory 10, {@code ftol = 2.220446049250313e-09} and 20 evaluations per line search
     */
    public static Lbfgs scipyDefaults(double gtol, int maxIterations) {
        return new Lbfgs(10, gtol, 2.220446049250313e-09, maxIterations, 20);
    }

    /**
     * Minimises from a starting point.
     *
     * @param f the objective
     * @param start the starting point (not modified)
     * @return the last point and why the solver stopped there
     */
    public Result minimize(Objective f, double[] start) {
        int n = start.length;
        double[] x = start.clone();
        double[] g = new double[n];
        double fx = f.valueAndGradient(x, g);
        int evaluations = 1;
        double[][] s = new double[memory][];
        double[][] y = new double[memory][];
        double[] rho = new double[memory];
        int stored = 0;
        int newest = -1;
        double[] d = new double[n];
        double[] alpha = new double[memory];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        int iteration = 0;
        if (maxAbs(g) <= gtol) {
            return new Result(x, fx, maxAbs(g), 0, evaluations, Stop.GRADIENT);
        }
        while (true) {
            if (iteration >= maxIterations) {
                return new Result(x, fx, maxAbs(g), iteration, evaluations, Stop.MAX_ITERATIONS);
            }
            // d = -H g by the two-loop recursion
            for (int i = 0; i < n; i++) {
                d[i] = -g[i];
            }
            for (int k = 0; k < stored; k++) {
                int j = Math.floorMod(newest - k, memory);
                alpha[j] = rho[j] * dot(s[j], d);
                axpy(-alpha[j], y[j], d);
            }
            if (stored > 0) {
                scale(dot(s[newest], y[newest]) / dot(y[newest], y[newest]), d);
            }
            for (int k = stored - 1; k >= 0; k--) {
                int j = Math.floorMod(newest - k, memory);
                double beta = rho[j] * dot(y[j], d);
                axpy(alpha[j] - beta, s[j], d);
            }
            double slope = dot(g, d);
            if (!(slope < 0)) {
                // rounding made the quasi-Newton direction useless: restart from steepest descent
                stored = 0;
                for (int i = 0; i < n; i++) {
                    d[i] = -g[i];
                }
                slope = dot(g, d);
            }
            double step = iteration == 0 && stored == 0 ? 1 / Math.sqrt(dot(g, g)) : 1;
            LineSearch ls = lineSearch(f, x, fx, g, d, slope, step, xNew, gNew);
            evaluations += ls.evaluations;
            if (!ls.found) {
                return new Result(x, fx, maxAbs(g), iteration, evaluations, Stop.LINE_SEARCH);
            }
            iteration++;
            int slot = (newest + 1) % memory;
            double[] sk = s[slot] == null ? new double[n] : s[slot];
            double[] yk = y[slot] == null ? new double[n] : y[slot];
            for (int i = 0; i < n; i++) {
                sk[i] = xNew[i] - x[i];
                yk[i] = gNew[i] - g[i];
            }
            double fOld = fx;
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            fx = ls.value;
            double sy = dot(sk, yk);
            double yy = dot(yk, yk);
            if (sy > EPS * yy) {
                s[slot] = sk;
                y[slot] = yk;
                rho[slot] = 1 / sy;
                newest = slot;
                stored = Math.min(stored + 1, memory);
            }
            if ((fOld - fx) <= ftol * Math.max(Math.max(Math.abs(fOld), Math.abs(fx)), 1)) {
                return new Result(x, fx, maxAbs(g), iteration, evaluations, Stop.VALUE);
            }
            if (maxAbs(g) <= gtol) {
                return new Result(x, fx, maxAbs(g), iteration, evaluations, Stop.GRADIENT);
            }
        }
    }

    private record LineSearch(boolean found, double value, int evaluations) {}

    /**
     * A step along {@code d} satisfying the strong Wolfe conditions; on success the point and its
     * gradient are in {@code xOut} and {@code gOut}.
     */
    private LineSearch lineSearch(Objective f, double[] x, double f0, double[] g0, double[] d, double slope0,
            double first, double[] xOut, double[] gOut) {
        double prev = 0;
        double fPrev = f0;
        double slopePrev = slope0;
        double a = first;
        int evaluations = 0;
        while (evaluations < maxLineSearch) {
            double fa = evaluate(f, x, d, a, xOut, gOut);
            evaluations++;
            double slopeA = dot(gOut, d);
            if (fa > f0 + C1 * a * slope0 || (evaluations > 1 && fa >= fPrev)) {
                return zoom(f, x, f0, d, slope0, prev, fPrev, slopePrev, a, fa, slopeA, xOut, gOut, evaluations);
            }
            if (Math.abs(slopeA) <= -C2 * slope0) {
                return new LineSearch(true, fa, evaluations);
            }
            if (slopeA >= 0) {
                return zoom(f, x, f0, d, slope0, a, fa, slopeA, prev, fPrev, slopePrev, xOut, gOut, evaluations);
            }
            prev = a;
            fPrev = fa;
            slopePrev = slopeA;
            a *= 2;
        }
        return new LineSearch(false, f0, evaluations);
    }

    /** Algorithm 3.6: {@code lo} satisfies sufficient decrease and the minimiser lies between lo and hi. */
    private LineSearch zoom(Objective f, double[] x, double f0, double[] d, double slope0, double lo, double fLo,
            double slopeLo, double hi, double fHi, double slopeHi, double[] xOut, double[] gOut, int evaluations) {
        while (evaluations < maxLineSearch) {
            double a = cubicMinimum(lo, fLo, slopeLo, hi, fHi, slopeHi);
            double lower = Math.min(lo, hi);
            double width = Math.abs(hi - lo);
            if (!(a > lower + 0.1 * width && a < lower + 0.9 * width)) {
                a = 0.5 * (lo + hi);
            }
            if (width <= EPS * Math.max(Math.abs(lo), Math.abs(hi))) {
                break;
            }
            double fa = evaluate(f, x, d, a, xOut, gOut);
            evaluations++;
            double slopeA = dot(gOut, d);
            if (fa > f0 + C1 * a * slope0 || fa >= fLo) {
                hi = a;
                fHi = fa;
                slopeHi = slopeA;
            } else {
                if (Math.abs(slopeA) <= -C2 * slope0) {
                    return new LineSearch(true, fa, evaluations);
                }
                if (slopeA * (hi - lo) >= 0) {
                    hi = lo;
                    fHi = fLo;
                    slopeHi = slopeLo;
                }
                lo = a;
                fLo = fa;
                slopeLo = slopeA;
            }
        }
        // Out of evaluations: accept lo if it decreases the objective (L-BFGS-B would stop with a
        // warning instead; a decrease is never worse than stopping).
        if (lo > 0 && fLo < f0) {
            double fa = evaluate(f, x, d, lo, xOut, gOut);
            return new LineSearch(true, fa, evaluations + 1);
        }
        return new LineSearch(false, f0, evaluations);
    }

    /** The minimiser of the cubic through two points with their slopes (N&amp;W eq. 3.59), or NaN. */
    private static double cubicMinimum(double a, double fa, double da, double b, double fb, double db) {
        double d1 = da + db - 3 * (fa - fb) / (a - b);
        double disc = d1 * d1 - da * db;
        if (!(disc >= 0)) {
            return Double.NaN;
        }
        double d2 = Math.signum(b - a) * Math.sqrt(disc);
        return b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
    }

    private static double evaluate(Objective f, double[] x, double[] d, double a, double[] xOut, double[] gOut) {
        for (int i = 0; i < x.length; i++) {
            xOut[i] = x[i] + a * d[i];
        }
        return f.valueAndGradient(xOut, gOut);
    }

    static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static void scale(double a, double[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= a;
        }
    }

    static double maxAbs(double[] g) {
        double m = 0;
        for (double v : g) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
