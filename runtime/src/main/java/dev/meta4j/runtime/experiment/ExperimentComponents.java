package dev.meta4j.runtime.experiment;

import dev.meta4j.api.algorithm.Components;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.weighting.WeightingMethod;

/**
 * The plugins of an experiment as handed to its algorithm. It records whether the algorithm asked
 * for the weighting method, so that a weighting section the algorithm ignores is an error rather
 * than a silent no-op.
 */
final class ExperimentComponents implements Components {

    private final String algorithmName;
    private final String datasetName;
    private final Dataset dataset;
    private final String modelName;
    private final Backbone backbone;
    private final Optimizer optimizer;
    private final WeightingMethod weightingOrNull;
    private boolean weightingAsked;

    ExperimentComponents(String algorithmName, String datasetName, Dataset dataset, String modelName,
            Backbone backbone, Optimizer optimizer, WeightingMethod weightingOrNull) {
        this.algorithmName = algorithmName;
        this.datasetName = datasetName;
        this.dataset = dataset;
        this.modelName = modelName;
        this.backbone = backbone;
        this.optimizer = optimizer;
        this.weightingOrNull = weightingOrNull;
    }

    /** @return whether the algorithm asked for the weighting method or whether there is one */
    boolean weightingAsked() {
        return weightingAsked;
    }

    @Override
    public Optimizer optimizer() {
        return optimizer;
    }

    @Override
    public <T extends Dataset> T dataset(Class<T> kind) {
        if (!kind.isInstance(dataset)) {
            throw new IllegalArgumentException(
                    "algorithm '" + algorithmName + "' needs a dataset that is a " + kind.getSimpleName()
                            + ", but dataset '" + datasetName + "' is a " + describe(dataset));
        }
        return kind.cast(dataset);
    }

    @Override
    public <T extends Backbone> T backbone(Class<T> kind) {
        if (!kind.isInstance(backbone)) {
            throw new IllegalArgumentException(
                    "algorithm '" + algorithmName + "' needs a model that is a " + kind.getSimpleName()
                            + ", but model '" + modelName + "' is a " + describe(backbone));
        }
        return kind.cast(backbone);
    }

    @Override
    public WeightingMethod weighting() {
        weightingAsked = true;
        if (weightingOrNull == null) {
            throw new IllegalArgumentException(
                    "algorithm '" + algorithmName + "' needs a weighting method: add a section"
                            + " weighting { type = ls } (see `meta4j list` for the methods)");
        }
        return weightingOrNull;
    }

    @Override
    public boolean hasWeighting() {
        weightingAsked = true;
        return weightingOrNull != null;
    }

    private static String describe(Object o) {
        StringBuilder sb = new StringBuilder();
        for (Class<?> i : o.getClass().getInterfaces()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(i.getSimpleName());
        }
        return sb.length() == 0 ? o.getClass().getSimpleName() : sb.toString();
    }
}
