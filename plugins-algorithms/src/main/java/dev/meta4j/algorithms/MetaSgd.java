package dev.meta4j.algorithms;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.AlgorithmFactory;
import dev.meta4j.api.model.Params;
import dev.meta4j.support.innerloop.PerParameterRule;
import dev.meta4j.support.innerloop.UpdateRule;
import java.util.function.Predicate;

/**
 * Meta-SGD (Li, Zhou, Chen &amp; Li 2017): MAML whose inner step {@code w - alpha ⊙ g} has a
 * learnable rate for every element of every parameter, meta-learned with the initialisation by
 * the outer optimizer (second order unless {@code first-order}). The rates are parameters
 * {@code lr.<name>} of the algorithm, checkpointed with the model.
 *
 * <p>Against the paper and learn2learn's {@code MetaSGD}: the rates start at one value, {@code
 * lr-init}, as learn2learn fills them ({@code ones_like(p) * lr}); the paper draws them at random.
 * A constant start makes step 0 of Meta-SGD exactly MAML at that inner rate, which is the
 * comparison the bundled configs make. Rates may turn negative, as in both (no projection).
 */
public final class MetaSgd extends GradientMetaLearner {

    private final double lrInit;

    MetaSgd(PluginContext ctx) {
        super(ctx);
        this.lrInit = ctx.config().getDouble("lr-init");
    }

    @Override
    Predicate<String> adapts(Params model) {
        return name -> true;
    }

    @Override
    UpdateRule rule(Params adapted, NDManager manager, DataType dataType) {
        return PerParameterRule.filled(adapted, lrInit, manager, dataType);
    }

    /** Registers {@code metasgd}. */
    @AutoService(AlgorithmFactory.class)
    public static final class Factory implements AlgorithmFactory {
        @Override
        public String name() {
            return "metasgd";
        }

        @Override
        public String summary() {
            return "Meta-SGD (Li et al. 2017): MAML with a meta-learned learning rate per parameter element";
        }

        @Override
        public Algorithm create(PluginContext ctx) {
            return new MetaSgd(ctx);
        }
    }
}
