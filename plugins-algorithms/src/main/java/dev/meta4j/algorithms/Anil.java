package dev.meta4j.algorithms;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.AlgorithmFactory;
import dev.meta4j.api.model.Params;
import dev.meta4j.support.innerloop.SgdRule;
import dev.meta4j.support.innerloop.UpdateRule;
import java.util.Set;
import java.util.function.Predicate;

/**
 * ANIL, Almost No Inner Loop (Raghu, Raghu, Bengio &amp; Vinyals 2020): MAML whose inner loop
 * adapts only the head, the backbone's {@code heads()} parameters; the outer loop trains the
 * encoder and the head's initialisation, through the adapted head (second order unless {@code
 * first-order}). The paper's finding is that the encoder's features, not their rapid change,
 * carry MAML's few-shot performance.
 *
 * <p>Against learn2learn's ANIL example: the same split (features trained by the outer loop, the
 * head adapted with MAML's SGD); learn2learn wraps only the head in {@code MAML} and runs the
 * features once per task, which for a fixed encoder is the same computation. Defaults are MAML's
 * on sine (the paper reports ANIL on images only); a backbone without a head is refused.
 */
public final class Anil extends GradientMetaLearner {

    private final double innerLr;

    Anil(PluginContext ctx) {
        super(ctx);
        this.innerLr = ctx.config().getDouble("inner-lr");
    }

    @Override
    Predicate<String> adapts(Params model) {
        if (model.headCount() == 0) {
            throw new IllegalArgumentException("anil adapts the model's head, and this model has none"
                    + " (its parameters: " + model.names() + ")");
        }
        Set<String> head = Set.copyOf(model.heads().names());
        return head::contains;
    }

    @Override
    UpdateRule rule(Params adapted, NDManager manager, DataType dataType) {
        return new SgdRule(innerLr);
    }

    /** Registers {@code anil}. */
    @AutoService(AlgorithmFactory.class)
    public static final class Factory implements AlgorithmFactory {
        @Override
        public String name() {
            return "anil";
        }

        @Override
        public String summary() {
            return "ANIL (Raghu et al. 2020): MAML with an inner loop over the head only";
        }

        @Override
        public Algorithm create(PluginContext ctx) {
            return new Anil(ctx);
        }
    }
}
