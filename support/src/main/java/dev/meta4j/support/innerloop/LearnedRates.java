package dev.meta4j.support.innerloop;

import dev.meta4j.api.model.Params;
import java.util.function.Function;

/**
 * What the rules with meta-learned learning rates share: the rate arrays as the rule's
 * parameters, and rebinding to other values of them with the same names.
 */
abstract class LearnedRates implements UpdateRule {

    private final Params rates;
    private final Function<Params, UpdateRule> rebind;

    LearnedRates(Params rates, Function<Params, UpdateRule> rebind) {
        this.rates = rates;
        this.rebind = rebind;
    }

    @Override
    public final Params parameters() {
        return rates;
    }

    @Override
    public final UpdateRule with(Params parameters) {
        if (!parameters.names().equals(rates.names())) {
            throw new IllegalArgumentException("rates " + parameters.names() + " do not match " + rates.names());
        }
        return rebind.apply(parameters);
    }
}
