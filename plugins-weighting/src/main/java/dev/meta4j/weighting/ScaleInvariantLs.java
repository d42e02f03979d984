package dev.meta4j.weighting;

import ai.djl.ndarray.NDArray;
import com.google.auto.service.AutoService;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;

/**
 * Scale-invariant linear scalarization (SI-LS): the objective {@code sum_i w_i log(l_i + eps)},
 * whose gradient {@code sum_i w_i grad l_i / (l_i + eps)} does not change when a loss is
 * multiplied by a constant. This is the {@code ScaleInvariantLinearScalarization} baseline of
 * Navon et al., "Multi-Task Learning as a Bargaining Game" (ICML 2022) and Liu et al., "FAMO"
 * (NeurIPS 2023), whose repositories compute {@code sum_i w_i log(l_i)}, i.e. {@code eps = 0}.
 *
 * <p>Loss-based ({@link Need#LOSSES}): one backward pass, no state. Deviation, on purpose: the
 * default {@code eps} is FAMO's 1e-8 rather than 0, so that a zero loss gives a finite
 * objective and gradient (1e8) instead of {@code -inf}; {@code eps = 0} reproduces the
 * repositories exactly. The logged weights are the effective weights on the losses, {@code
 * w_i / (l_i + eps)} (the gradient of the objective with respect to each loss); the
 * repositories log the constant {@code w}.
 */
public final class ScaleInvariantLs implements WeightingMethod {

    private final FixedTaskWeights weights;
    private final double eps;

    ScaleInvariantLs(FixedTaskWeights weights, double eps) {
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("scaleinvls.eps must be finite and >= 0, got " + eps);
        }
        this.weights = weights;
        this.eps = eps;
    }

    @Override
    public Need need(long step) {
        return Need.LOSSES;
    }

    /** A weights list of the wrong length is a config error, found before training starts. */
    @Override
    public void init(int taskCount) {
        weights.forTasks(taskCount);
    }

    @Override
    public Combination combine(TaskSignals signals) {
        NDArray losses = signals.losses();
        double[] l = LossVectors.values(losses);
        double[] w = weights.forTasks(l.length);
        double[] effective = new double[l.length];
        for (int i = 0; i < l.length; i++) {
            effective[i] = w[i] / (l[i] + eps);
        }
        NDArray wa = LossVectors.constant(signals.manager(), w, losses.getDataType());
        NDArray objective = losses.add(Scalar.of(signals.manager(), eps, losses.getDataType())).log().mul(wa).sum();
        return new Combination.Objective(
                objective, LossVectors.constant(signals.manager(), effective, losses.getDataType()));
    }

    /** Registers {@code scaleinvls}. */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {
        @Override
        public String name() {
            return "scaleinvls";
        }

        @Override
        public String summary() {
            return "Scale-invariant linear scalarization: the sum of the log task losses";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            return new ScaleInvariantLs(
                    FixedTaskWeights.read("scaleinvls", ctx.config(), "weights"), ctx.config().getDouble("eps"));
        }
    }
}
