package dev.meta4j.runtime.suite;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.typesafe.config.Config;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Works out a suite's runs: the resolved config of every cell of its plan, validated before
 * anything runs. An executor ({@link SuiteExecutor}) then runs them, each in its own folder
 * {@code <suite>/<label>/seed-<s>/} ({@link CellRun}).
 */
public final class SuiteRunner {

    private final PluginRegistry registry;
    private final ConfigLoader loader;

    /**
     * Creates a runner.
     *
     * @param registry the plugins
     * @param loader the config loader over the same plugins
     */
    public SuiteRunner(PluginRegistry registry, ConfigLoader loader) {
        this.registry = registry;
        this.loader = loader;
    }

    /**
     * The resolved config of every run, validated before anything runs.
     *
     * @param base the suite file without its {@code suite} section
     * @param cli overrides from the command line, applied to every run
     * @param plan the runs
     * @return one config per run, in plan order
     */
    public List<ExperimentConfig> configs(Config base, Config cli, SuitePlan plan) {
        List<ExperimentConfig> out = new ArrayList<>();
        for (SuitePlan.Run run : plan.runs()) {
            Config own = base;
            for (String section : run.dropped()) {
                own = own.withoutPath(section);
            }
            out.add(loader.load(own, run.overrides().withFallback(cli), Set.of()));
        }
        return out;
    }

    /**
     * Each task's headline metric as the run's summary names it (none in an older summary). A
     * meta-learner reports its metrics for the episode, not per task ({@code mse-post}, not
     * {@code y/mse}): for a single-task run whose test metrics lack {@code <task>/<metric>}, the
     * headline is the metric that selected its best checkpoint, with that metric's direction.
     */
    static List<SuiteTable.Column> headline(JsonObject summary) {
        List<SuiteTable.Column> out = new ArrayList<>();
        if (summary.has("tasks")) {
            for (JsonElement e : summary.getAsJsonArray("tasks")) {
                JsonObject t = e.getAsJsonObject();
                out.add(new SuiteTable.Column(t.get("name").getAsString(), t.get("metric").getAsString(),
                        Direction.ofKey(t.get("direction").getAsString()).higherIsBetter()));
            }
        }
        JsonObject test = summary.has("test_best") ? summary.getAsJsonObject("test_best")
                : summary.has("test") ? summary.getAsJsonObject("test") : new JsonObject();
        if (out.size() == 1 && !test.has(out.get(0).key()) && summary.has("selection")) {
            JsonObject sel = summary.getAsJsonObject("selection");
            String metric = sel.get("metric").getAsString().replaceFirst("^validation/", "");
            if (test.has(metric)) {
                return List.of(new SuiteTable.Column("", metric, sel.get("higher_is_better").getAsBoolean()));
            }
        }
        return out;
    }
}
