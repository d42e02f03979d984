package dev.meta4j.weighting;

import ai.djl.ndarray.NDArray;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;

/**
 * MGDA, the multiple-gradient descent algorithm for multi-task learning (Sener &amp; Koltun,
 * <i>Multi-Task Learning as Multi-Objective Optimization</i>, NeurIPS 2018): the task weights
 * {@code alpha} are the min-norm point of the convex hull of the (optionally normalised) task
 * gradients, found on their Gram matrix.
 *
 * <p><b>Solver</b> ({@code solver}). The paper defines the weights as the exact minimiser (its
 * eq. 3; its Algorithm 2 approximates it with Frank-Wolfe), and that is the default, {@code
 * exact} ({@link ExactMinNorm}: Wolfe's active-set method, exact to working
 * precision, with a stated rounding-independent rule for the weights where they are not unique:
 * identical gradients give all their weight to the lowest task index). The official code (Sener
 * &amp; Koltun's repository, copied by the FAMO and Nash-MTL repositories) approximates it
 * iteratively, and both of its solvers are options ({@link MinNormSolver}): {@code
 * projected-gradient} is {@code find_min_norm_element}, the one the official MGDA calls; {@code
 * frank-wolfe} is {@code find_min_norm_element_FW}, which meta4j used before. They differ from the
 * official code in two documented ways (exact clipping of the pair solution, an enforced iteration
 * cap, see {@link MinNormSolver}), and stop at {@code tolerance} or {@code max-iter}: usually
 * within {@code 1e-6} of the largest squared norm from the optimum, but on badly scaled gradients
 * (norms over several orders of magnitude, as loss normalisation makes them) both were measured
 * {@code 5.1e-4} of it away after their 250 iterations ({@code k5_badly_scaled} in the tests).
 * Choose them to reproduce the official numbers, not for accuracy.
 *
 * <p><b>Kind.</b> {@code variant = params} works on the gradients of the shared parameters
 * ({@link Need#SHARED_GRADIENTS}) and returns a {@link Combination.SharedGradient}: shared update
 * {@code sum_i w_i g_i} with the <i>unnormalised</i> {@code g_i}, and head {@code i} weighted
 * {@code w_i} (exactly the gradient of {@code sum_i w_i l_i}, which is what the official code
 * back-propagates). {@code variant = ub} is MGDA-UB: it works on the gradients of the shared
 * representation ({@link Need#REPRESENTATION_GRADIENTS}) and returns the objective {@code sum_i
 * w_i l_i}, so heads are weighted {@code w_i} too.
 *
 * <p><b>Normalisation</b> (optional, not in the paper, as in the official code) divides {@code
 * g_i} by {@code 1} (none), {@code |g_i|} (l2), {@code l_i} (loss) or {@code l_i |g_i|} (loss+)
 * before the solve, each floored at {@code 1e-12} like the team's reference. <b>Scale</b>: {@code
 * weights = sum-tasks} multiplies {@code alpha} by {@code K} (the FAMO and Nash-MTL repositories
 * and the reference {@code mtl_weighting.py}, the default); {@code sum-one} keeps the paper's
 * convex weights. A zero gradient, identical or aligned gradients and {@code K = 1} are handled
 * without division by a zero norm.
 */
public final class Mgda implements WeightingMethod {

    private final String normalization;
    private final boolean sumToTasks;
    private final boolean upperBound;
    private final Solver solver;
    private final int maxIterations;
    private final double tolerance;

    /** The min-norm solvers, by their {@code solver} names. */
    enum Solver {
        EXACT("exact"),
        PROJECTED_GRADIENT("projected-gradient"),
        FRANK_WOLFE("frank-wolfe");

        final String key;

        Solver(String key) {
            this.key = key;
        }

        static Solver of(String key) {
            for (Solver s : values()) {
                if (s.key.equals(key)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown mgda solver '" + key + "'");
        }

        /** The convex weights of the min-norm point of the vectors with Gram matrix {@code gram}. */
        double[] minNorm(double[][] gram, int maxIterations, double tolerance) {
            return switch (this) {
                case EXACT -> ExactMinNorm.solve(gram).weights();
                case PROJECTED_GRADIENT -> MinNormSolver.projectedGradient(gram, maxIterations, tolerance).weights();
                case FRANK_WOLFE -> MinNormSolver.frankWolfe(gram, maxIterations, tolerance).weights();
            };
        }
    }

    Mgda(Config c) {
        this.normalization = c.getString("normalization");
        this.sumToTasks = c.getString("weights").equals("sum-tasks");
        this.upperBound = c.getString("variant").equals("ub");
        this.solver = Solver.of(c.getString("solver"));
        this.maxIterations = c.getInt("max-iter");
        this.tolerance = c.getDouble("tolerance");
    }

    @Override
    public Need need(long step) {
        return upperBound ? Need.REPRESENTATION_GRADIENTS : Need.SHARED_GRADIENTS;
    }

    @Override
    public Combination combine(TaskSignals s) {
        NDArray g = upperBound ? s.representationGradients() : s.sharedGradients();
        if (g == null) {
            throw new IllegalStateException("mgda (variant = " + (upperBound ? "ub" : "params") + ") needs the per-task "
                    + (upperBound ? "representation" : "shared-parameter") + " gradients, but the step provided none");
        }
        int k = s.taskCount();
        double[][] gram = TaskGradients.gram(g);
        double[] losses = normalization.startsWith("loss") ? LossVectors.values(s.losses()) : null;
        double[] w = weights(gram, losses, normalization, sumToTasks, solver, maxIterations, tolerance);
        if (upperBound) {
            return TaskGradients.objective(s.losses(), w, s.manager(), 0);
        }
        NDArray shared = TaskGradients.combine(w, g, s.manager());
        NDArray heads = LossVectors.constant(s.manager(), w, s.losses().getDataType());
        return new Combination.SharedGradient(shared, heads, heads);
    }

    /**
     * MGDA's task weights from the Gram matrix of the raw gradients.
     *
     * @param gram {@code G G^T}
     * @param losses the loss values (for the loss normalisations), or null
     * @param normalization none, l2, loss or loss+
     * @param sumToTasks scale the weights to sum to {@code K} instead of 1
     * @param solver the min-norm solver
     * @param maxIterations iteration cap of the iterative solvers
     * @param tolerance stop tolerance of the iterative solvers
     * @return the weights {@code w}
     */
    static double[] weights(double[][] gram, double[] losses, String normalization, boolean sumToTasks, Solver solver,
            int maxIterations, double tolerance) {
        int k = gram.length;
        double[] scale = new double[k];
        for (int i = 0; i < k; i++) {
            double norm = Math.sqrt(Math.max(gram[i][i], 0));
            double v = switch (normalization) {
                case "none" -> 1;
                case "l2" -> norm;
                case "loss" -> losses[i];
                case "loss+" -> losses[i] * norm;
                default -> throw new IllegalArgumentException("unknown normalization '" + normalization + "'");
            };
            scale[i] = Math.max(v, 1e-12);
        }
        double[][] normalized = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                normalized[i][j] = gram[i][j] / (scale[i] * scale[j]);
            }
        }
        double[] alpha = solver.minNorm(normalized, maxIterations, tolerance);
        if (sumToTasks) {
            for (int i = 0; i < k; i++) {
                alpha[i] *= k;
            }
        }
        return alpha;
    }

    /** Registers {@code mgda}. */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {
        @Override
        public String name() {
            return "mgda";
        }

        @Override
        public String summary() {
            return "MGDA (Sener & Koltun 2018): min-norm convex combination of task gradients (exact, or the official"
                    + " iterative solvers); MGDA-UB";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            return new Mgda(ctx.config());
        }
    }
}
