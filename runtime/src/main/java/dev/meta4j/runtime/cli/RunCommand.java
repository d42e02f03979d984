package dev.meta4j.runtime.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.experiment.Checkpoint;
import dev.meta4j.runtime.experiment.Experiment;
import dev.meta4j.runtime.experiment.RunFolder;
import dev.meta4j.runtime.experiment.RunIdentity;
import dev.meta4j.runtime.experiment.RunLog;
import dev.meta4j.runtime.experiment.Trainer;
import dev.meta4j.runtime.plugin.PluginRegistry;
import dev.meta4j.runtime.suite.CellRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meta4j run}: trains and evaluates one experiment. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Train and evaluate one experiment.",
            "Without --config, runs the built-in default experiment: MAML on sine regression "
                    + "(Finn et al. 2017), about a minute on a laptop CPU."})
final class RunCommand implements Callable<Integer> {

    /** The built-in default experiment. */
    static final String DEFAULT_CONFIG = "classpath:" + ConfigLoader.BUNDLED_PREFIX + "maml-sine.conf";

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "The config file, or the name of a bundled example config (`meta4j list` shows"
                    + " plugins; the distribution's conf/ folder has the examples).")
    String config;

    @Option(names = "--resume", paramLabel = "RUN_DIR",
            description = {"Continue an interrupted run from its newest good checkpoint, in the same folder."
                    + " Only resume-safe overrides are accepted: " + RESUME_SAFE_TEXT + "."})
    Path resume;

    /**
     * Overrides that may change when a run resumes ({@link RunIdentity}). The checkpoint and plot
     * keys leave the numbers alone. {@code experiment.threads} is allowed because a preempted run
     * may resume on another machine, but it can change the low digits from there on: sums and
     * products split over another number of threads round differently (same config, seed and
     * thread count is what is exact). Every other key would make the resumed run a different
     * experiment.
     */
    private static final String RESUME_SAFE_TEXT = RunIdentity.RESUME_SAFE_TEXT;
    static final Set<String> RESUME_SAFE = Set.copyOf(RunIdentity.RESUME_SAFE);

    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--run-dir", paramLabel = "DIR",
            description = {"Train in this folder instead of a new <output-dir>/<name>/<timestamp>/: a run that finished"
                    + " there with the same experiment is left alone, an interrupted one resumes from its last checkpoint,"
                    + " a folder of another experiment is moved aside (DIR.stale-<time>), a failure is written to"
                    + " DIR/failure.txt. Suites run each of their cells this way."})
    Path runDir;

    @Parameters(paramLabel = "KEY=VALUE", arity = "0..*",
            description = "Overrides applied after the config file, such as experiment.seed=3 weighting.gamma=0.001.")
    List<String> overrides = new ArrayList<>();

    @Mixin PluginOptions plugins;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PluginRegistry registry = plugins.registry();
        ConfigLoader loader = new ConfigLoader(registry);
        if (resume != null) {
            if (runDir != null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--run-dir resumes an interrupted run by itself; drop --resume");
            }
            return resume(registry, loader);
        }
        if (runDir != null) {
            return inFolder(registry, loader, runDir.toAbsolutePath().normalize());
        }
        Config file = loader.parse(config != null ? config : DEFAULT_CONFIG);
        if (file.hasPath("suite")) {
            throw new ConfigError(ConfigError.Problem.at(file.getValue("suite").origin(), "suite",
                    "this is a suite config (methods x seeds): run it with `meta4j suite --config " + config + "`"));
        }
        ExperimentConfig cfg = loader.load(file, ConfigLoader.overrides(overrides), Set.of());
        try (Experiment experiment = Preflight.start(cfg, registry)) {
            Path outDir = Path.of(cfg.experiment().getString("output-dir"));
            RunFolder folder = RunFolder.create(outDir, cfg.experiment().getString("name"));
            try (RunFolder.Lock lock = folder.lock(); RunLog log = RunLog.attach(folder.log())) {
                // before the folder is announced: a kill right after "run folder:" must leave a
                // folder that --resume accepts (it starts that run from step 0)
                RunFolder.writeAtomically(folder.config(), cfg.render());
                return recordingFailure(log, () -> train(experiment, folder, null));
            }
        }
    }

    /** {@code --run-dir}: one run in a fixed folder, as a cell of a suite ({@link CellRun}). */
    private Integer inFolder(PluginRegistry registry, ConfigLoader loader, Path dir) throws IOException {
        ExperimentConfig cfg = loadCell(loader, config != null ? config : DEFAULT_CONFIG, overrides, dir);
        return runCell(registry, cfg, dir, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /**
     * Runs one cell of a suite in a worker that goes on to the next: a config that does not load
     * or a run that fails is this cell's failure (recorded in its folder), said on {@code err}.
     *
     * @param registry the plugins
     * @param loader the config loader
     * @param config the cell's config file
     * @param overrides its placement overrides
     * @param dir its run folder
     * @param out where the run folder and the results are printed
     * @param err where errors are said
     * @param trace whether errors carry their stack trace ({@code --debug})
     * @return the exit code {@code run --config CONFIG --run-dir DIR} would have
     * @throws Trainer.Interrupted if a signal stopped the run (after a checkpoint)
     */
    static int runCell(PluginRegistry registry, ConfigLoader loader, Path config, List<String> overrides, Path dir,
            PrintWriter out, PrintWriter err, boolean trace) {
        try {
            ExperimentConfig cfg = loadCell(loader, config.toString(), overrides, dir);
            return runCell(registry, cfg, dir, out, err);
        } catch (Trainer.Interrupted stopped) {
            throw stopped;
        } catch (RuntimeException | IOException e) {
            return Main.report(e, err, trace);
        }
    }

    /** The cell's config; one that does not load is recorded as the cell's failure, then thrown. */
    private static ExperimentConfig loadCell(ConfigLoader loader, String config, List<String> overrides, Path dir)
            throws IOException {
        try {
            Config file = loader.parse(config);
            if (file.hasPath("suite")) {
                throw new ConfigError(ConfigError.Problem.at(file.getValue("suite").origin(), "suite",
                        "this is a suite config (methods x seeds): run it with `meta4j suite --config " + config + "`"));
            }
            return loader.load(file, ConfigLoader.overrides(overrides), Set.of());
        } catch (RuntimeException e) {
            CellRun.recordFailure(dir, e); // a suite's table reports it like any failure of the cell
            throw e;
        }
    }

    private static int runCell(PluginRegistry registry, ExperimentConfig cfg, Path dir, PrintWriter out, PrintWriter err)
            throws IOException {
        out.println("run folder: " + dir);
        out.flush();
        CellRun.Result r = new CellRun(registry).run(cfg, dir);
        switch (r.ending()) {
            case ALREADY_FINISHED:
                out.println("run " + dir + " is finished (summary.json) with this experiment; nothing to do");
                out.flush();
                return 0;
            case FINISHED:
                printResult(out, r.trained(), dir);
                return 0;
            default:
                err.println("error: " + r.reason());
                err.flush();
                return Main.EXIT_FAILED;
        }
    }

    private Integer resume(PluginRegistry registry, ConfigLoader loader) throws IOException {
        if (config != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--resume continues a run with its own saved config; drop --config");
        }
        RunFolder folder = new RunFolder(resume);
        if (!Files.isRegularFile(folder.config())) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    resume + " is not a run folder: no config.conf in it");
        }
        Config changes = ConfigLoader.overrides(overrides);
        for (String key : changes.entrySet().stream().map(java.util.Map.Entry::getKey).sorted().toList()) {
            if (!RESUME_SAFE.contains(key)) {
                throw new ConfigError(ConfigError.Problem.at(changes.getValue(key).origin(), key,
                        "cannot change when a run resumes: the resumed run would not continue the numbers of the"
                                + " one that started (start a new run instead); resume-safe keys are "
                                + RESUME_SAFE_TEXT));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        try (RunFolder.Lock lock = folder.lock(); RunLog log = RunLog.attach(folder.log())) {
            if (folder.finished()) {
                out.println("run " + folder.dir() + " is finished (summary.json); nothing to resume, nothing changed");
                out.flush();
                return 0;
            }
            return recordingFailure(log, () -> continueRun(registry, loader, folder, changes));
        }
    }

    private int continueRun(PluginRegistry registry, ConfigLoader loader, RunFolder folder, Config changes)
            throws IOException {
        int stale = folder.deleteStaleTemps();
        if (stale > 0) {
            LOG.info("deleted {} temporary file(s) that an interrupted write left in {}", stale, folder.dir());
        }
        ExperimentConfig cfg = loader.load(loader.parse(folder.config().toString()), changes, Set.of());
        try (Experiment experiment = Preflight.start(cfg, registry)) {
            if (!overrides.isEmpty()) {
                RunFolder.writeAtomically(folder.config(), cfg.render());
                LOG.info("recorded in {}: {}", folder.config(), String.join(" ", overrides));
            }
            Checkpoint.Contents from = Checkpoint.readNewest(folder, experiment.manager());
            if (from == null) {
                LOG.warn("{} has no checkpoint yet; training it again from step 0", folder.dir());
            }
            return train(experiment, folder, from);
        }
    }

    /** Work on a run whose failure must also be written into its run.log. */
    private interface RunWork {
        int call() throws IOException;
    }

    private static int recordingFailure(RunLog log, RunWork work) throws IOException {
        try {
            return work.call();
        } catch (Trainer.Interrupted e) {
            throw e; // the trainer logged where it stopped
        } catch (RuntimeException | IOException e) {
            log.failed(e);
            throw e;
        }
    }

    private int train(Experiment experiment, RunFolder folder, Checkpoint.Contents from) {
        PrintWriter out = spec.commandLine().getOut();
        Trainer trainer = new Trainer(experiment, folder);
        out.println("run folder: " + folder.dir());
        out.flush();
        printResult(out, trainer.run(from), folder.dir());
        return 0;
    }

    private static void printResult(PrintWriter out, Trainer.Result result, Path dir) {
        print(out, "test (final parameters)", result.test());
        if (!result.testBest().asMap().isEmpty()) {
            print(out, "test (best validation checkpoint)", result.testBest());
        }
        out.printf(Locale.ROOT, "%.1f steps/s; outputs in %s%n",
                result.summary().get("steps_per_second").getAsDouble(), dir);
        out.flush();
    }

    /** Prints metrics, pairing each mean with its 95% confidence half-width. */
    static void print(PrintWriter out, String title, Metrics m) {
        if (m.asMap().isEmpty()) {
            return;
        }
        out.println(title + ":");
        m.asMap().forEach((k, v) -> {
            if (k.endsWith("-ci95")) {
                return;
            }
            var ci = m.get(k + "-ci95");
            out.println(ci.isPresent()
                    ? String.format(Locale.ROOT, "  %-28s %.4f ± %.4f (95%% CI)", k, v, ci.getAsDouble())
                    : String.format(Locale.ROOT, "  %-28s %.4f", k, v));
        });
    }

    static Config empty() {
        return ConfigFactory.empty();
    }
}
