package dev.meta4j.runtime.cli;

import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.experiment.Experiment;
import dev.meta4j.runtime.experiment.RunLength;
import dev.meta4j.runtime.plugin.PluginRegistry;

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
        Experiment experiment = Experiment.create(cfg, registry);
        try {
            RunLength.of(cfg.experiment(), experiment.algorithm().stepsPerEpoch());
            return experiment;
        } catch (RuntimeException e) {
            experiment.close();
            throw e;
        }
    }
}
