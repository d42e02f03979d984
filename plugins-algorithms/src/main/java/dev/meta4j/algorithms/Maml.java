package dev.meta4j.algorithms;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.AlgorithmFactory;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.model.Params;
import dev.meta4j.support.innerloop.SgdRule;
import dev.meta4j.support.innerloop.UpdateRule;
import java.util.function.Predicate;

/**
 * Model-Agnostic Meta-Learning (Finn, Abbeel &amp; Levine 2017): learn an initialisation from
 * which a few SGD steps on a task's support set fit its query set.
 *
 * <p>The meta-gradient differentiates through the inner SGD steps (second order), or treats the
 * inner gradients as constants ({@code first-order = true}, FOMAML). When the backbone supports
 * task-batched parameters, the whole meta-batch is one batched graph: every parameter gets a
 * leading task dimension, and the gradient of the sum of the per-task losses with respect to
 * those per-task copies is exactly each task's own gradient. The inner loop, the meta-gradient
 * and the evaluation are {@link GradientMetaLearner}'s, shared with ANIL and Meta-SGD; MAML
 * adapts every parameter with plain SGD.
 *
 * <p>Against the official code (cbfinn/maml) and learn2learn: the same inner SGD and outer Adam;
 * the meta-loss is the mean over the meta-batch of the query losses (as both). The paper's sine
 * setup trains 70,000 meta-steps; the bundled config trains 5,000, as our reference script.
 */
public final class Maml extends GradientMetaLearner {

    private final double innerLr;

    Maml(PluginContext ctx) {
        super(ctx);
        this.innerLr = ctx.config().getDouble("inner-lr");
    }

    @Override
    Predicate<String> adapts(Params model) {
        return name -> true;
    }

    @Override
    UpdateRule rule(Params adapted, NDManager manager, DataType dataType) {
        return new SgdRule(innerLr);
    }

    /** The meta-gradient at other values of the parameters, with the configured inner steps. */
    MetaGradient metaGradient(Params params, TaskBatch batch) {
        return metaGradient(params, batch, innerSteps());
    }

    /** Registers {@code maml}. */
    @AutoService(AlgorithmFactory.class)
    public static final class Factory implements AlgorithmFactory {
        @Override
        public String name() {
            return "maml";
        }

        @Override
        public String summary() {
            return "MAML (Finn et al. 2017): exact second-order meta-gradient, or first-order (FOMAML)";
        }

        @Override
        public Algorithm create(PluginContext ctx) {
            return new Maml(ctx);
        }
    }
}
