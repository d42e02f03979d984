package dev.meta4j.runtime.testing;

import dev.meta4j.api.algorithm.Components;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.weighting.WeightingMethod;

/**
 * Components for an algorithm under test.
 *
 * @param dataset the dataset
 * @param backbone the model
 * @param optimizer the optimizer
 * @param weightingOrNull the weighting method, or null
 */
public record TestComponents(Dataset dataset, Backbone backbone, Optimizer optimizer, WeightingMethod weightingOrNull)
        implements Components {

    @Override
    public <T extends Dataset> T dataset(Class<T> kind) {
        return kind.cast(dataset);
    }

    @Override
    public <T extends Backbone> T backbone(Class<T> kind) {
        return kind.cast(backbone);
    }

    @Override
    public WeightingMethod weighting() {
        if (weightingOrNull == null) {
            throw new IllegalArgumentException("no weighting method");
        }
        return weightingOrNull;
    }

    @Override
    public boolean hasWeighting() {
        return weightingOrNull != null;
    }
}
