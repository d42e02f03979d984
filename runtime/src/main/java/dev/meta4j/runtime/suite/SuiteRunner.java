package dev.meta4j.runtime.suite;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.typesafe.config.Config;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.experiment.Checkpoint;
import dev.meta4j.runtime.experiment.Experiment;
import dev.meta4j.runtime.experiment.RunFolder;
import dev.meta4j.runtime.experiment.RunLog;
import dev.meta4j.runtime.experiment.Trainer;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a suite: every run in its own folder {@code <suite>/<label>/seed-<s>/}, one after another.
 * A run that finished before (same resolved config) is skipped, one that was interrupted resumes
 * from its last checkpoint, and one that fails is recorded and does not stop the others.
 */
public final class SuiteRunner {

    private static final Logger LOG = LoggerFactory.getLogger(SuiteRunner.class);

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
     * Runs every run of the plan.
     *
     * @param dir the suite's folder
     * @param plan the runs
     * @param configs their configs, from {@link #configs}
     * @return the outcome of each run, in plan order
     * @throws IOException if the suite folder cannot be written
     */
    public List<RunOutcome> run(Path dir, SuitePlan plan, List<ExperimentConfig> configs) throws IOException {
        Files.createDirectories(dir);
        List<RunOutcome> outcomes = new ArrayList<>();
        long started = System.nanoTime();
        int executed = 0;
        for (int i = 0; i < plan.runs().size(); i++) {
            SuitePlan.Run run = plan.runs().get(i);
            ExperimentConfig cfg = configs.get(i);
            Path runDir = dir.resolve(run.folder());
            String rendered = cfg.render();
            RunFolder folder = new RunFolder(runDir);
            RunOutcome previous = finishedBefore(folder, rendered, run);
            if (previous != null) {
                LOG.info("[{}/{}] {} seed {}: finished before, skipped", i + 1, plan.runs().size(), run.label(), run.seed());
                outcomes.add(previous);
                continue;
            }
            double eta = executed == 0 ? Double.NaN
                    : (System.nanoTime() - started) / 1e9 / executed * countRemaining(plan, i);
            LOG.info("[{}/{}] {} seed {}{}", i + 1, plan.runs().size(), run.label(), run.seed(),
                    Double.isNaN(eta) ? "" : String.format(java.util.Locale.ROOT, " (suite ETA %.0f min)", eta / 60));
            outcomes.add(execute(run, cfg, folder, rendered));
            executed++;
        }
        return outcomes;
    }

    private static int countRemaining(SuitePlan plan, int i) {
        return plan.runs().size() - i;
    }

    private RunOutcome execute(SuitePlan.Run run, ExperimentConfig cfg, RunFolder folder, String rendered) {
        long t0 = System.nanoTime();
        try {
            Checkpoint.Contents resume = null;
            if (Files.isRegularFile(folder.config()) && !Files.readString(folder.config()).equals(rendered)) {
                Path stale = folder.dir().resolveSibling(folder.dir().getFileName() + ".stale-"
                        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
                LOG.warn("{}: its config changed since it ran; keeping the old outputs in {}", folder.dir(), stale);
                Files.move(folder.dir(), stale);
            }
            Files.createDirectories(folder.dir().resolve("checkpoints"));
            try (RunFolder.Lock lock = folder.lock(); Experiment e = Experiment.create(cfg, registry);
                    RunLog log = RunLog.attach(folder.log())) {
                if (Files.isRegularFile(folder.config())) {
                    folder.deleteStaleTemps();
                    resume = Checkpoint.readNewest(folder, e.manager());
                }
                if (resume != null) {
                    LOG.info("{}: resuming at step {}", folder.dir(), resume.step());
                }
                Trainer.Result r;
                try {
                    r = new Trainer(e, folder).run(resume);
                } catch (RuntimeException failure) {
                    if (!(failure instanceof Trainer.Interrupted)) {
                        log.failed(failure);
                    }
                    throw failure;
                }
                Map<String, Double> metrics = r.testBest().asMap().isEmpty() ? r.test().asMap() : r.testBest().asMap();
                return new RunOutcome(run, "finished", metrics, (System.nanoTime() - t0) / 1e9, headline(r.summary()));
            }
        } catch (Trainer.Interrupted stopped) {
            throw stopped; // the whole suite stops; running it again resumes this run
        } catch (Exception | AssertionError ex) {
            String reason = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            LOG.error("{} seed {} failed: {}", run.label(), run.seed(), reason);
            try {
                Files.createDirectories(folder.dir());
                Files.writeString(folder.dir().resolve("failure.txt"), ex + "\n");
            } catch (IOException ignored) {
                // the failure is reported in the table either way
            }
            return new RunOutcome(run, "failed: " + reason.lines().findFirst().orElse(""), Map.of(),
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    /** The outcome of a run that finished before with the same config, or null. */
    private static RunOutcome finishedBefore(RunFolder folder, String rendered, SuitePlan.Run run) throws IOException {
        if (!Files.isRegularFile(folder.summary()) || !Files.isRegularFile(folder.config())
                || !Files.readString(folder.config()).equals(rendered)) {
            return null;
        }
        JsonObject s;
        try {
            s = JsonParser.parseString(Files.readString(folder.summary())).getAsJsonObject();
        } catch (RuntimeException e) {
            return null;
        }
        if (!"finished".equals(s.get("status").getAsString())) {
            return null;
        }
        String reported = s.has("reported") ? s.get("reported").getAsString() : s.has("test_best") ? "test_best" : "test";
        JsonObject test = s.getAsJsonObject(reported);
        Map<String, Double> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : test.entrySet()) {
            m.put(e.getKey(), e.getValue().getAsDouble());
        }
        double seconds = s.has("wall_seconds") ? s.get("wall_seconds").getAsDouble() : Double.NaN;
        return new RunOutcome(run, "finished", m, seconds, headline(s));
    }

    /** Each task's headline metric as the run's summary names it (none in an older summary). */
    static List<SuiteTable.Column> headline(JsonObject summary) {
        List<SuiteTable.Column> out = new ArrayList<>();
        if (summary.has("tasks")) {
            for (JsonElement e : summary.getAsJsonArray("tasks")) {
                JsonObject t = e.getAsJsonObject();
                out.add(new SuiteTable.Column(t.get("name").getAsString(), t.get("metric").getAsString(),
                        Direction.ofKey(t.get("direction").getAsString()).higherIsBetter()));
            }
        }
        return out;
    }
}
