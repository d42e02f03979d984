package dev.meta4j.api.algorithm;

import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.weighting.WeightingMethod;

/** The plugins of an experiment, as an algorithm receives them. */
public interface Components {

    /**
     * The dataset, as the kind the algorithm works with.
     *
     * @param kind {@link dev.meta4j.api.data.TaskSource} or {@link
     *     dev.meta4j.api.data.MultiTaskDataset}, or a narrower interface
     * @param <T> the kind
     * @return the dataset
     * @throws IllegalArgumentException naming the configured dataset and what it is instead
     */
    <T extends Dataset> T dataset(Class<T> kind);

    /**
     * The model, as the kind the algorithm works with.
     *
     * @param kind {@link Backbone} or a narrower interface
     * @param <T> the kind
     * @return the backbone
     * @throws IllegalArgumentException naming the configured model and what it is instead
     */
    <T extends Backbone> T backbone(Class<T> kind);

    /**
     * The optimizer of the trained parameters.
     *
     * @return the optimizer
     */
    Optimizer optimizer();

    /**
     * The weighting method.
     *
     * @return the method
     * @throws IllegalArgumentException if the config has no {@code weighting} section
     */
    WeightingMethod weighting();

    /**
     * Whether the config has a {@code weighting} section.
     *
     * @return true if it does
     */
    boolean hasWeighting();
}
