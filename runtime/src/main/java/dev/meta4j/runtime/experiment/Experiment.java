package dev.meta4j.runtime.experiment;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.Split;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.Evaluation;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.algorithm.Step;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.MultiTaskDataset;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.Scheduler;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.runtime.config.ConfigError.Problem;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.config.PluginChoice;
import dev.meta4j.runtime.engine.TorchEngine;
import dev.meta4j.runtime.engine.TorchRandom;
import dev.meta4j.runtime.plugin.PluginError;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * The plugins of one config, created and wired: dataset, model, optimizer, schedule, optional
 * weighting method, and the algorithm that drives them. Owns the native memory of the run.
 */
public final class Experiment implements AutoCloseable {

    private final ExperimentConfig config;
    private final NDManager manager;
    private final ExperimentResources resources;
    private final Map<PluginKind, PluginContext> contexts = new EnumMap<>(PluginKind.class);
    private final Algorithm algorithm;
    private final Optimizer optimizer;
    private final Scheduler scheduler;
    private final WeightingMethod weighting;
    private final Device device;
    private final DataSpec dataSpec;
    private final java.util.Optional<dev.meta4j.api.data.SingleTaskBaselines> baselines;

    private Experiment(ExperimentConfig config, PluginRegistry registry) {
        this.config = config;
        TorchEngine.get();
        applyThreads();
        this.resources = ExperimentResources.open(config.experiment());
        this.device = resources.device();
        this.manager = resources.manager();
        boolean ok = false;
        try {
            for (PluginKind kind : PluginKind.values()) {
                config.plugin(kind).ifPresent(choice -> contexts.put(kind, resources.context(kind, choice, registry)));
            }
            Dataset dataset = chooseTasks(create(registry, PluginKind.DATASET, Dataset.class), config.experiment());
            this.dataSpec = dataset.spec();
            this.baselines = dataset instanceof MultiTaskDataset multi ? multi.singleTaskBaselines()
                    : java.util.Optional.empty();
            Backbone backbone = create(registry, PluginKind.MODEL, Backbone.class);
            this.optimizer = create(registry, PluginKind.OPTIMIZER, Optimizer.class);
            this.scheduler = create(registry, PluginKind.SCHEDULER, Scheduler.class);
            this.weighting = contexts.containsKey(PluginKind.WEIGHTING)
                    ? create(registry, PluginKind.WEIGHTING, WeightingMethod.class) : null;
            this.algorithm = create(registry, PluginKind.ALGORITHM, Algorithm.class);
            ExperimentComponents components = new ExperimentComponents(
                    name(PluginKind.ALGORITHM), name(PluginKind.DATASET), dataset,
                    name(PluginKind.MODEL), backbone, optimizer, weighting);
            try {
                algorithm.init(components);
            } catch (IllegalArgumentException e) {
                PluginChoice a = config.plugin(PluginKind.ALGORITHM).orElseThrow();
                throw new ConfigError(Problem.at(a.origin(), "algorithm", e.getMessage()));
            }
            if (weighting != null && !components.weightingAsked()) {
                throw new ConfigError(Problem.at(config.plugin(PluginKind.WEIGHTING).orElseThrow().origin(), "weighting",
                        "algorithm '" + name(PluginKind.ALGORITHM) + "' does not use a weighting method; remove the weighting section"));
            }
            ok = true;
        } finally {
            if (!ok) {
                resources.close();
            }
        }
    }

    /**
     * Creates and wires the plugins of a validated config.
     *
     * @param config the config
     * @param registry the plugins
     * @return the experiment, to be closed
     * @throws PluginError if a plugin cannot be created
     * @throws ConfigError if a setting is rejected by its plugin
     */
    public static Experiment create(ExperimentConfig config, PluginRegistry registry) {
        for (PluginKind required : new PluginKind[] {PluginKind.ALGORITHM, PluginKind.DATASET, PluginKind.MODEL}) {
            if (config.plugin(required).isEmpty()) {
                throw new ConfigError(new Problem("(config)", required.section(),
                        "missing section: " + required.section() + " { type = ... } (see `meta4j list`)"));
            }
        }
        return new Experiment(config, registry);
    }

    /** The dataset as {@code experiment.tasks} chooses its tasks. */
    private Dataset chooseTasks(Dataset dataset, Config ex) {
        if (!ex.hasPath("tasks")) {
            return dataset;
        }
        com.typesafe.config.ConfigOrigin at = ex.getValue("tasks").origin();
        if (!(dataset instanceof MultiTaskDataset multi)) {
            throw new ConfigError(Problem.at(at, "experiment.tasks", "chooses tasks of a multi-task dataset; dataset '"
                    + name(PluginKind.DATASET) + "' is not one (remove experiment.tasks)"));
        }
        try {
            return new TaskSubset(multi, ex.getStringList("tasks"));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(Problem.at(at, "experiment.tasks", e.getMessage()));
        } catch (com.typesafe.config.ConfigException.WrongType e) {
            throw new ConfigError(Problem.at(at, "experiment.tasks", "expected a list of task names, such as [left]"));
        }
    }

    private String name(PluginKind kind) {
        return config.plugin(kind).map(PluginChoice::name).orElse("(none)");
    }

    private <T> T create(PluginRegistry registry, PluginKind kind, Class<T> type) {
        return ExperimentResources.create(registry, kind, config.plugin(kind).orElseThrow(), contexts.get(kind), type);
    }

    /**
     * Sets the engine's intra-op threads to this experiment's {@code experiment.threads} (0: all
     * cores). The setting is process-wide, so code that steps several experiments in turn calls
     * this before each one's turn.
     */
    public void applyThreads() {
        ExperimentResources.applyThreads(config.experiment());
    }

    /**
     * One training step, the same for {@code run} and {@code bench}: the schedule's learning rate
     * at this point of the run, and a step-scoped manager that is closed when the step returns, with
     * the algorithm's parameters attached to it, so that nothing the step made outlives it.
     *
     * @param at the position in the run
     * @return the learning rate used and the step's metrics
     */
    public TrainedStep trainStep(TrainingClock at) {
        double lr = optimizer.baseLearningRate() * scheduler.factor(at);
        try (NDManager stepManager = manager.newSubManager()) {
            algorithm.parameters().tempAttach(stepManager);
            return new TrainedStep(lr, algorithm.trainStep(new Step(at, lr, stepManager)));
        }
    }

    /**
     * One evaluation of the algorithm, in a manager closed after it, with the parameters
     * attached to it, like {@link #trainStep}.
     *
     * @param split the held-out split
     * @return the metrics and figures
     */
    public Evaluation evaluate(Split split) {
        try (NDManager m = manager.newSubManager()) {
            algorithm.parameters().tempAttach(m);
            return algorithm.evaluate(split, m);
        }
    }

    /**
     * What one training step reports.
     *
     * @param learningRate the scheduled learning rate of the step
     * @param metrics the algorithm's training metrics
     */
    public record TrainedStep(double learningRate, Metrics metrics) {}

    /** @return the config */
    public ExperimentConfig config() {
        return config;
    }

    /**
     * The published single-task baselines of the dataset (as {@code experiment.tasks} sees it),
     * for Δm% and Δp in {@code summary.json}.
     *
     * @return the baselines, or empty for a dataset without them or one that is not multi-task
     */
    public java.util.Optional<dev.meta4j.api.data.SingleTaskBaselines> singleTaskBaselines() {
        return baselines;
    }

    /** @return the dataset's tasks and input shape */
    public DataSpec dataSpec() {
        return dataSpec;
    }

    /** @return the algorithm */
    public Algorithm algorithm() {
        return algorithm;
    }

    /** @return the optimizer */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** @return the schedule */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** @return the device */
    public Device device() {
        return device;
    }

    /** @return the long-lived manager of the run */
    public NDManager manager() {
        return manager;
    }

    /**
     * Writes everything a resumed run needs besides the step counter.
     *
     * @param state where to write
     */
    public void saveState(StateDict state) {
        StateDict params = state.scope("params");
        var p = algorithm.parameters();
        for (int i = 0; i < p.size(); i++) {
            params.putArray(p.names().get(i), p.arrays().get(i));
        }
        algorithm.saveState(state.scope("algorithm"));
        optimizer.saveState(state.scope("optimizer"));
        scheduler.saveState(state.scope("scheduler"));
        if (weighting != null) {
            weighting.saveState(state.scope("weighting"));
        }
        StateDict rngs = state.scope("rng");
        contexts.forEach((k, c) -> rngs.putLong(k.section(), c.rng().state()));
    }

    /**
     * Restores what {@link #saveState} wrote.
     *
     * @param state where to read
     */
    public void loadState(StateDict state) {
        StateDict params = state.scope("params");
        var p = algorithm.parameters();
        try (var off = contexts.get(PluginKind.ALGORITHM).autograd().pause()) {
            for (int i = 0; i < p.size(); i++) {
                var target = p.arrays().get(i);
                var saved = params.getArray(p.names().get(i));
                if (!saved.getShape().equals(target.getShape())) {
                    throw new IllegalStateException("checkpoint parameter '" + p.names().get(i) + "' has shape "
                            + saved.getShape() + ", the model has " + target.getShape());
                }
                target.set(saved.toType(target.getDataType(), false).toByteBuffer());
            }
        }
        algorithm.loadState(state.scope("algorithm"));
        optimizer.loadState(state.scope("optimizer"));
        scheduler.loadState(state.scope("scheduler"));
        if (weighting != null) {
            weighting.loadState(state.scope("weighting"));
        }
        StateDict rngs = state.scope("rng");
        contexts.forEach((k, c) -> c.rng().restore(rngs.getLong(k.section())));
    }

    @Override
    public void close() {
        resources.close();
    }
}
