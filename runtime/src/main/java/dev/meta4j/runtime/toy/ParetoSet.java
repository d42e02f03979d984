package dev.meta4j.runtime.toy;

/**
 * The Pareto set of the {@link ToyProblem}, derived analytically, and the test of whether a
 * point lies on it.
 *
 * <p><b>Derivation.</b> In the lower half plane {@code l1 = scale c(x2) (a1(x1) + q(x2) - 20)} and
 * {@code l2 = c(x2) (a2(x1) + q(x2) - 20)} with {@code c = tanh(-x2 / 2)}, {@code a1 = (x1 - 7)^2
 * / 10}, {@code a2 = (x1 + 7)^2 / 10}, {@code q = (x2 + 8)^2 / 100}. A point is Pareto stationary
 * when some {@code alpha in [0, 1]} makes {@code alpha grad l1 + (1 - alpha) grad l2 = 0}. Writing
 * {@code b = alpha scale / (alpha scale + 1 - alpha)}, the {@code x1} component gives {@code b (x1
 * - 7) + (1 - b) (x1 + 7) = 0}, i.e. {@code x1 = 7 (2b - 1)}, which covers {@code [-7, 7]} as
 * {@code b} runs over {@code [0, 1]}; there {@code b a1 + (1 - b) a2 = A(x1) = 4.9 - x1^2 / 10}.
 * The {@code x2} component is then the stationarity of {@code h(x2) = c(x2) (A + q(x2) - 20)}:
 *
 * <pre>
 *   -1/2 sech^2(x2 / 2) (A(x1) + q(x2) - 20) + tanh(-x2 / 2) (x2 + 8) / 50 = 0,
 * </pre>
 *
 * whose root {@code x2*(x1)} lies in {@code (-9, -8)} ({@code -8.35511} at {@code x1 = 0}; the
 * CAGrad and FAMO scripts draw the set as the line {@code x2 = -8.3552}, {@code x1 in [-7, 7]}).
 * Each such point minimises the weighted sum {@code b l1 / scale + (1 - b) l2} over the whole
 * plane (in the upper half plane both losses exceed their values here), so it is Pareto optimal;
 * the set does not depend on {@code scale}. The Pareto set is the curve {@code {(x1, x2*(x1)) :
 * |x1| <= 7}}; its image is the Pareto front.
 *
 * <p><b>The test.</b> A run ends on the Pareto front when its final point is within {@link
 * #TOLERANCE} (Euclidean, in parameter space) of that curve. The Pareto-stationarity residual
 * {@code min_alpha |alpha g1 + (1 - alpha) g2|} is reported beside it; it is not the criterion,
 * because it is also small far from the set (in the upper half plane the gradients vanish as
 * {@code tanh} saturates, and inside a clamped logarithmic valley a loss has no {@code x1}
 * gradient).
 */
public final class ParetoSet {

    /** Distance to the Pareto set below which a point counts as on the front. */
    public static final double TOLERANCE = 0.05;

    /** Half-width of the Pareto set in {@code x1}. */
    public static final double HALF_WIDTH = 7;

    private static final int SAMPLES = 2801;
    private static final double[] X1 = new double[SAMPLES];
    private static final double[] X2 = new double[SAMPLES];

    static {
        for (int i = 0; i < SAMPLES; i++) {
            X1[i] = -HALF_WIDTH + 2 * HALF_WIDTH * i / (SAMPLES - 1);
            X2[i] = optimalX2(X1[i]);
        }
    }

    private ParetoSet() {}

    /**
     * The Pareto-optimal second coordinate for a first coordinate in {@code [-7, 7]}.
     *
     * @param x1 the first coordinate
     * @return {@code x2*(x1)}, the root of the stationarity condition, by bisection to 1e-12
     */
    public static double optimalX2(double x1) {
        double a = 4.9 - x1 * x1 / 10;
        double lo = -9;
        double hi = -8;
        for (int i = 0; i < 200 && hi - lo > 1e-12; i++) {
            double mid = 0.5 * (lo + hi);
            if (stationarity(a, mid) < 0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /** {@code h'(x2)} for a given {@code A}: negative below the root, positive above. */
    private static double stationarity(double a, double x2) {
        double th = StrictMath.tanh(0.5 * x2);
        double q = 0.01 * (x2 + 8) * (x2 + 8);
        return -0.5 * (1 - th * th) * (a + q - 20) + (-th) * 0.02 * (x2 + 8);
    }

    /**
     * The Euclidean distance from a point to the Pareto set (the curve sampled at 2801 points,
     * each segment measured exactly).
     *
     * @param x1 first coordinate
     * @param x2 second coordinate
     * @return the distance, NaN for a non-finite point
     */
    public static double distance(double x1, double x2) {
        if (!Double.isFinite(x1) || !Double.isFinite(x2)) {
            return Double.NaN;
        }
        return Math.sqrt(squaredDistance(x1, x2, 0, SAMPLES - 1));
    }

    /** The squared distance to the segments between samples {@code from} and {@code to}. */
    private static double squaredDistance(double x1, double x2, int from, int to) {
        double best = Double.POSITIVE_INFINITY;
        for (int i = from; i < to; i++) {
            double dx = X1[i + 1] - X1[i];
            double dy = X2[i + 1] - X2[i];
            double t = ((x1 - X1[i]) * dx + (x2 - X2[i]) * dy) / (dx * dx + dy * dy);
            t = Math.max(0, Math.min(1, t));
            double ex = x1 - (X1[i] + t * dx);
            double ey = x2 - (X2[i] + t * dy);
            best = Math.min(best, ex * ex + ey * ey);
        }
        return best;
    }

    /**
     * The step from which a trajectory stays on the Pareto front to its end.
     *
     * @param x1 first coordinates, one per step (the start first)
     * @param x2 second coordinates
     * @param steps the last index
     * @return the first index of the final stretch on the front, or -1 if the end is not on it
     */
    public static int reachedAt(float[] x1, float[] x2, int steps) {
        int i = steps;
        while (i >= 0 && contains(x1[i], x2[i])) {
            i--;
        }
        return i == steps ? -1 : i + 1;
    }

    /** A quick necessary condition for being within tolerance: the set lies in |x1| <= 7, x2 in (-8.44, -8.35). */
    private static boolean near(double x1, double x2) {
        return Math.abs(x1) <= HALF_WIDTH + TOLERANCE && x2 > -8.44 - TOLERANCE && x2 < -8.35 + TOLERANCE;
    }

    /**
     * Whether a point counts as on the Pareto front.
     *
     * @param x1 first coordinate
     * @param x2 second coordinate
     * @return {@code distance <= TOLERANCE}
     */
    public static boolean contains(double x1, double x2) {
        if (!near(x1, x2)) {
            return false;
        }
        // a point of the set within the tolerance has its x1 within the tolerance: only the
        // segments over [x1 - TOLERANCE, x1 + TOLERANCE] can be that close
        double step = 2 * HALF_WIDTH / (SAMPLES - 1);
        int from = Math.max(0, (int) Math.floor((x1 - TOLERANCE + HALF_WIDTH) / step) - 1);
        int to = Math.min(SAMPLES - 1, (int) Math.ceil((x1 + TOLERANCE + HALF_WIDTH) / step) + 1);
        return from < to && squaredDistance(x1, x2, from, to) <= TOLERANCE * TOLERANCE;
    }

    /**
     * The Pareto-stationarity residual: the norm of the min-norm point of the segment between the
     * two task gradients, {@code min_{alpha in [0,1]} |alpha g1 + (1 - alpha) g2|}.
     *
     * @param g1 the gradient of the first loss
     * @param g2 the gradient of the second loss
     * @return the residual, 0 exactly at a Pareto-stationary point
     */
    public static double residual(double[] g1, double[] g2) {
        double a = g1[0] * g1[0] + g1[1] * g1[1];
        double b = g1[0] * g2[0] + g1[1] * g2[1];
        double d = g2[0] * g2[0] + g2[1] * g2[1];
        double alpha;
        if (b >= a) {
            alpha = 1;
        } else if (b >= d) {
            alpha = 0;
        } else {
            alpha = (d - b) / (a + d - 2 * b);
        }
        double vx = alpha * g1[0] + (1 - alpha) * g2[0];
        double vy = alpha * g1[1] + (1 - alpha) * g2[1];
        return Math.sqrt(vx * vx + vy * vy);
    }

    /**
     * The Pareto set as sampled points {@code {x1[], x2[]}}.
     *
     * @return copies of the samples
     */
    public static double[][] samples() {
        return new double[][] {X1.clone(), X2.clone()};
    }
}
