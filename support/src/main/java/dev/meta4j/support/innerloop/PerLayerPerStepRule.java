package dev.meta4j.support.innerloop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.model.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * A learnable scalar learning rate per adapted parameter and inner step: {@code w - alpha[p, k] g}
 * (MAML++'s LSLR, Antoniou et al. 2019). The rates are named {@code lr.<parameter>@<step>}.
 */
public final class PerLayerPerStepRule extends LearnedRates {

    private final Params rates;

    private PerLayerPerStepRule(Params rates) {
        super(rates, PerLayerPerStepRule::new);
        this.rates = rates;
    }

    /**
     * One rate per adapted parameter and step, all starting at one value.
     *
     * @param adapted the parameters the inner loop adapts
     * @param steps the inner steps (a step beyond them is an error)
     * @param init the starting rate
     * @param manager where the rates live
     * @param dataType their type
     * @return the rule
     */
    public static PerLayerPerStepRule filled(Params adapted, int steps, double init, NDManager manager,
            DataType dataType) {
        List<String> names = new ArrayList<>();
        List<NDArray> arrays = new ArrayList<>();
        for (String n : adapted.names()) {
            for (int k = 0; k < steps; k++) {
                NDArray r = manager.full(new Shape(), (float) init, dataType);
                r.setRequiresGradient(true);
                names.add(name(n, k));
                arrays.add(r);
            }
        }
        return new PerLayerPerStepRule(Params.of(names, arrays));
    }

    private static String name(String parameter, int step) {
        return PerParameterRule.PREFIX + parameter + "@" + step;
    }

    @Override
    public NDArray apply(int step, String name, NDArray w, NDArray g) {
        String key = name(name, step);
        if (!rates.contains(key)) {
            throw new IllegalArgumentException("no learning rate for " + name + " at inner step " + step
                    + ": the rule was made for fewer steps");
        }
        return w.sub(g.mul(rates.get(key)));
    }
}
