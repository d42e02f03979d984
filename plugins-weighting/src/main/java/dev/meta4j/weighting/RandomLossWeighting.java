package dev.meta4j.weighting;

import com.google.auto.service.AutoService;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;
import java.util.function.DoubleSupplier;

/**
 * Random loss weighting (RLW; Lin, Ye, Xu, Shi &amp; Zhang, "Reasonable Effectiveness of Random
 * Weighting: A Litmus Test for Multi-Task Learning", TMLR 2022, arXiv:2111.10603): every step
 * draws {@code K} numbers {@code d_i} and minimises {@code sum_i softmax(d)_i l_i}.
 *
 * <p>Loss-based ({@link Need#LOSSES}). {@code distribution = normal} draws {@code d_i ~ N(0, 1)}
 * (the paper's and LibMTL's default, and the FAMO/Nash-MTL repositories' only choice); {@code
 * uniform} draws {@code d_i ~ U(0, 1)} (LibMTL's {@code Uniform}; its softmax stays close to
 * equal weights). The draws come from the plugin's seeded generator, task 0 first, {@code K}
 * per step, so a run is reproducible from its seed; the runtime checkpoints that generator, so
 * the method keeps no state of its own. The logged weights are {@code softmax(d)}.
 */
public final class RandomLossWeighting implements WeightingMethod {

    private final DoubleSupplier draws;

    /**
     * A method that takes its raw draws from a supplier: the plugin's generator, or fixed
     * numbers in tests.
     *
     * @param draws the source of the {@code d_i}, called {@code K} times per step
     */
    RandomLossWeighting(DoubleSupplier draws) {
        this.draws = draws;
    }

    @Override
    public Need need(long step) {
        return Need.LOSSES;
    }

    @Override
    public Combination combine(TaskSignals signals) {
        double[] d = new double[signals.taskCount()];
        for (int i = 0; i < d.length; i++) {
            d[i] = draws.getAsDouble();
        }
        double[] w = StableSoftmax.of(d);
        return Combination.weighted(
                signals.losses(), LossVectors.constant(signals.manager(), w, signals.losses().getDataType()));
    }

    /** Registers {@code rlw}. */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {
        @Override
        public String name() {
            return "rlw";
        }

        @Override
        public String summary() {
            return "Random loss weighting (Lin et al. 2022): softmax of fresh random draws every step";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            Rng rng = ctx.rng();
            String distribution = ctx.config().getString("distribution");
            return switch (distribution) {
                case "normal" -> new RandomLossWeighting(rng::nextGaussian);
                case "uniform" -> new RandomLossWeighting(rng::nextDouble);
                default -> throw new IllegalArgumentException(
                        "rlw.distribution must be normal or uniform, got '" + distribution + "'");
            };
        }
    }
}
