package dev.meta4j.weighting;

import ai.djl.ndarray.NDArray;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;

/**
 * Nash-MTL (Navon, Shamsian, Achituve, Maron, Kawaguchi, Chechik &amp; Fetaya, <i>Multi-Task
 * Learning as a Bargaining Game</i>, ICML 2022) on the gradients of the shared parameters: the
 * weights {@code alpha} solve the bargaining condition {@code alpha_i (G G^T alpha)_i = 1},
 * computed by {@link NashBargainingSolver} with the official sequence of convex problems
 * ({@code optim-niter} iterations at most, warm-started from the previous {@code alpha}, which
 * starts at ones).
 *
 * <p>{@code alpha} is re-solved on steps {@code step % update-weights-every == 0} (the step the
 * runtime passes, so a resumed run keeps the schedule); {@link #need} asks for {@link
 * Need#SHARED_GRADIENTS} only then. On those steps the result is a {@link
 * Combination.SharedGradient}: {@code sum_i alpha_i g_i} scaled down to norm {@code max-norm}
 * exactly like {@code torch.nn.utils.clip_grad_norm_} ({@code max_norm / (norm + 1e-6)} when
 * below 1), and head {@code i} weighted {@code alpha_i} (heads are not clipped, as in the
 * official code, which clips only the shared parameters). That equals the official backward of
 * {@code sum_i alpha_i l_i} followed by clipping, without a further backward pass. On the other
 * steps ({@link Need#LOSSES}) it is the {@link Combination.Objective} {@code sum_i alpha_i l_i}
 * with {@code maxSharedGradientNorm = max-norm}.
 *
 * <p>When a sub-problem cannot be solved (a zero gradient makes it infeasible; so do exactly
 * opposite gradients; an unbounded linearisation) the official code keeps the previous {@code
 * alpha}, and so does this. State: the previous {@code alpha} and the step counter.
 */
public final class NashMtl implements WeightingMethod {

    private final int every;
    private final int maxIterations;
    private final double maxNorm;

    private double[] alpha;
    private long step;

    NashMtl(Config c) {
        this.every = c.getInt("update-weights-every");
        this.maxIterations = c.getInt("optim-niter");
        this.maxNorm = c.getDouble("max-norm");
    }

    @Override
    public Need need(long step) {
        return solvesAt(step) ? Need.SHARED_GRADIENTS : Need.LOSSES;
    }

    private boolean solvesAt(long s) {
        return s % every == 0;
    }

    @Override
    public Combination combine(TaskSignals s) {
        int k = s.taskCount();
        if (alpha == null || alpha.length != k) {
            alpha = TaskGradients.ones(k);
        }
        step++;
        if (!solvesAt(s.step())) {
            return TaskGradients.objective(s.losses(), alpha, s.manager(), maxNorm);
        }
        NDArray g = TaskGradients.require(s.sharedGradients(), "nashmtl");
        double[][] gram = TaskGradients.gram(g);
        alpha = NashBargainingSolver.solve(gram, alpha, maxIterations).alpha();
        double[] shared = clipped(gram, alpha, maxNorm);
        NDArray update = TaskGradients.combine(shared, g, s.manager());
        NDArray weights = LossVectors.constant(s.manager(), alpha, s.losses().getDataType());
        return new Combination.SharedGradient(update, weights, weights);
    }

    /**
     * The coefficients of the clipped shared update.
     *
     * @param gram {@code G G^T}
     * @param alpha the weights
     * @param maxNorm the clipping norm, 0 for none
     * @return {@code alpha}, scaled down if {@code |sum alpha_i g_i| > maxNorm}
     */
    static double[] clipped(double[][] gram, double[] alpha, double maxNorm) {
        double[] w = alpha.clone();
        if (maxNorm > 0) {
            double norm = Math.sqrt(Math.max(SmallLinearAlgebra.quadratic(gram, alpha), 0));
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1) {
                for (int i = 0; i < w.length; i++) {
                    w[i] *= coef;
                }
            }
        }
        return w;
    }

    /**
     * The current weights, for tests and logging.
     *
     * @return a copy, or null before the first step
     */
    double[] weights() {
        return alpha == null ? null : alpha.clone();
    }

    @Override
    public void saveState(StateDict state) {
        state.putLong("step", step);
        if (alpha != null) {
            state.putNumbers("alpha", alpha);
        }
    }

    @Override
    public void loadState(StateDict state) {
        step = state.getLong("step");
        alpha = state.contains("alpha") ? state.getNumbers("alpha") : null;
    }

    /**
     * How many steps this instance has combined (the official {@code self.step}).
     *
     * @return the count
     */
    long steps() {
        return step;
    }

    /** Registers {@code nashmtl}. */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {
        @Override
        public String name() {
            return "nashmtl";
        }

        @Override
        public String summary() {
            return "Nash-MTL (Navon et al. 2022): task weights from the Nash bargaining solution, clipped update";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            return new NashMtl(ctx.config());
        }
    }
}
