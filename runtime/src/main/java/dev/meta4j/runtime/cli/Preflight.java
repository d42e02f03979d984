package dev.meta4j.runtime.cli;

import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.runtime.config.ConfigError.Problem;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.experiment.Experiment;
import dev.meta4j.runtime.experiment.RunLength;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import dev.meta4j.runtime.suite.SuitePlan;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything {@code run} does before it writes anything: create and wire every plugin (so that
 * each plugin's own checks run) and work out the run length. {@code validate} goes through the
 * same code, so it rejects exactly the configs that {@code run} would, and {@code run} rejects them
 * before a run folder exists.
 */
final class Preflight {

    private Preflight() {}

    /**
     * Creates the experiment of a validated config and checks its run length.
     *
     * @param cfg the config
     * @param registry the plugins
     * @return the experiment, to be closed by the caller
     * @throws dev.meta4j.runtime.config.ConfigError if a plugin or the run length rejects a setting
     */
    static Experiment start(ExperimentConfig cfg, PluginRegistry registry) {
        requireSections(cfg, registry);
        Experiment experiment = Experiment.create(cfg, registry);
        try {
            RunLength.of(cfg.experiment(), experiment.algorithm().stepsPerEpoch());
            return experiment;
        } catch (RuntimeException e) {
            experiment.close();
            throw e;
        }
    }

    /** Every experiment needs an algorithm, a dataset and a model: each missing one is reported at its file. */
    private static void requireSections(ExperimentConfig cfg, PluginRegistry registry) {
        List<Problem> problems = new ArrayList<>();
        for (PluginKind required : new PluginKind[] {PluginKind.ALGORITHM, PluginKind.DATASET, PluginKind.MODEL}) {
            if (cfg.plugin(required).isEmpty()) {
                problems.add(Problem.at(cfg.source(), required.section(), "missing section: "
                        + required.section() + " { type = ... }; known: " + String.join(", ", registry.all(required).keySet())));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigError(problems);
        }
    }

    /**
     * Starts the first run of each method of a suite (the seeds only change numbers), so that a
     * method whose plugins reject their settings stops the suite before any run trains.
     *
     * @param plan the suite's runs
     * @param configs their configs, in plan order
     * @param registry the plugins
     */
    static void startEachMethod(SuitePlan plan, List<ExperimentConfig> configs, PluginRegistry registry) {
        Set<String> started = new HashSet<>();
        for (int i = 0; i < configs.size(); i++) {
            if (started.add(plan.runs().get(i).label())) {
                start(configs.get(i), registry).close();
            }
        }
    }
}
