package dev.meta4j.runtime.suite;

import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.experiment.Trainer;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default executor: the cells one after another, in this process. SIGTERM or SIGINT stops the
 * suite after the current run's checkpoint; running it again resumes that run.
 *
 * <p>Each cell's config is read back from its file in the suite's folder, as the other executors'
 * processes read it, so that every executor trains from the same text.
 */
public final class InlineExecutor implements SuiteExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(InlineExecutor.class);

    private final PluginRegistry registry;
    private final ConfigLoader loader;

    /**
     * Creates the executor.
     *
     * @param registry the plugins
     * @param loader a config loader over them
     */
    public InlineExecutor(PluginRegistry registry, ConfigLoader loader) {
        this.registry = registry;
        this.loader = loader;
    }

    @Override
    public Completion execute(SuiteFolder suite, List<Integer> cells) throws IOException {
        CellRun runner = new CellRun(registry);
        long started = System.nanoTime();
        for (int k = 0; k < cells.size(); k++) {
            int i = cells.get(k);
            SuitePlan.Run run = suite.plan().runs().get(i);
            double eta = k == 0 ? Double.NaN : (System.nanoTime() - started) / 1e9 / k * (cells.size() - k);
            LOG.info("[{}/{}] {} seed {}{}", k + 1, cells.size(), run.label(), run.seed(),
                    Double.isNaN(eta) ? "" : String.format(Locale.ROOT, " (suite ETA %.0f min)", eta / 60));
            ExperimentConfig cfg = loader.load(loader.parse(suite.cellConfig(i).toString()), ConfigLoader.overrides(List.of()),
                    Set.of());
            try {
                runner.run(cfg, suite.cellDir(i));
            } catch (Trainer.Interrupted stopped) {
                return new Completion(Completion.Kind.INTERRUPTED, stopped.exitCode(), "");
            }
        }
        return Completion.done();
    }
}
