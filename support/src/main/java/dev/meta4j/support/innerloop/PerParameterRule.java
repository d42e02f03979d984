package dev.meta4j.support.innerloop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.model.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * A learnable learning rate for every element of every adapted parameter: {@code w - alpha ⊙ g}
 * (Meta-SGD, Li et al. 2017). The rates are named {@code lr.<parameter>} and are meta-learned
 * with the initialisation; for task-batched parameters one rate array serves every task.
 */
public final class PerParameterRule extends LearnedRates {

    /** The prefix of a rate's name: {@code lr.layer0.weight}. */
    public static final String PREFIX = "lr.";

    private final Params rates;

    private PerParameterRule(Params rates) {
        super(rates, PerParameterRule::new);
        this.rates = rates;
    }

    /**
     * Rates shaped like the adapted parameters, all starting at one value.
     *
     * @param adapted the parameters the inner loop adapts
     * @param init the starting rate
     * @param manager where the rates live (the experiment's long-lived manager)
     * @param dataType their type
     * @return the rule
     */
    public static PerParameterRule filled(Params adapted, double init, NDManager manager, DataType dataType) {
        List<String> names = new ArrayList<>();
        List<NDArray> arrays = new ArrayList<>();
        for (String n : adapted.names()) {
            NDArray r = manager.full(adapted.get(n).getShape(), (float) init, dataType);
            r.setRequiresGradient(true);
            names.add(PREFIX + n);
            arrays.add(r);
        }
        return new PerParameterRule(Params.of(names, arrays));
    }

    @Override
    public NDArray apply(int step, String name, NDArray w, NDArray g) {
        return w.sub(g.mul(rates.get(PREFIX + name)));
    }
}
