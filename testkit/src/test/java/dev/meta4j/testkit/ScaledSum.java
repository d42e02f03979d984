package dev.meta4j.testkit;

import ai.djl.ndarray.NDArray;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;

/**
 * The kit's probe, registered the way a third party registers a plugin: {@code scale * sum_i l_i},
 * with a setting of each declared kind, a check of its own in the factory and a random draw.
 */
public final class ScaledSum implements WeightingMethod {

    final Config config;
    final long firstDraw;
    private final double scale;

    ScaledSum(PluginContext ctx) {
        this.config = ctx.config();
        this.scale = ctx.config().getDouble("scale");
        this.firstDraw = ctx.rng().nextLong();
    }

    @Override
    public Need need(long step) {
        return Need.LOSSES;
    }

    @Override
    public Combination combine(TaskSignals signals) {
        NDArray losses = signals.losses();
        NDArray s = Scalar.of(signals.manager(), scale, losses.getDataType());
        return new Combination.Objective(losses.sum().mul(s), null);
    }

    /** Registers {@code kit-probe}. */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {
        @Override
        public String name() {
            return "kit-probe";
        }

        @Override
        public String summary() {
            return "the test kit's probe: a scaled sum of the losses";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            if (ctx.config().getString("mode").equals("mean") && ctx.config().hasPath("tasks")) {
                throw new IllegalArgumentException("kit-probe: mode = mean takes no tasks");
            }
            return new ScaledSum(ctx);
        }
    }

    /** Registers {@code kit-undocumented}: the same method, with a key nobody documented. */
    @AutoService(WeightingFactory.class)
    public static final class Undocumented implements WeightingFactory {
        @Override
        public String name() {
            return "kit-undocumented";
        }

        @Override
        public String summary() {
            return "a probe whose defaults break the documentation rules";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            return new ScaledSum(ctx);
        }
    }
}
