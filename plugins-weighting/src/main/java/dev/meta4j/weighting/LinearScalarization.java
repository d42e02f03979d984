package dev.meta4j.weighting;

import com.google.auto.service.AutoService;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;

/**
 * Linear scalarization: the objective {@code sum_i w_i l_i} with fixed weights, all 1 unless
 * configured (the {@code LinearScalarization} of the FAMO and Nash-MTL repositories; LibMTL's
 * equal weighting, EW). The baseline every multi-task weighting paper compares against.
 *
 * <p>Loss-based ({@link Need#LOSSES}): one backward pass, no state. The logged weights are
 * {@code w}, which is also the gradient of the objective with respect to each loss.
 */
public final class LinearScalarization implements WeightingMethod {

    private final FixedTaskWeights weights;

    LinearScalarization(FixedTaskWeights weights) {
        this.weights = weights;
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
        double[] w = weights.forTasks(signals.taskCount());
        return Combination.weighted(
                signals.losses(), LossVectors.constant(signals.manager(), w, signals.losses().getDataType()));
    }

    /** Registers {@code ls}. */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {
        @Override
        public String name() {
            return "ls";
        }

        @Override
        public String summary() {
            return "Linear scalarization: the (optionally weighted) sum of the task losses";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            return new LinearScalarization(FixedTaskWeights.read("ls", ctx.config(), "weights"));
        }
    }
}
