package dev.meta4j.runtime.cli;

import com.typesafe.config.Config;
import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.experiment.RunFolder;
import dev.meta4j.runtime.plugin.PluginRegistry;
import dev.meta4j.runtime.suite.ExecutorSettings;
import dev.meta4j.runtime.suite.InlineExecutor;
import dev.meta4j.runtime.suite.Launcher;
import dev.meta4j.runtime.suite.LocalExecutor;
import dev.meta4j.runtime.suite.RunOutcome;
import dev.meta4j.runtime.suite.SlurmExecutor;
import dev.meta4j.runtime.suite.SuiteExecutor;
import dev.meta4j.runtime.suite.SuiteFolder;
import dev.meta4j.runtime.suite.SuitePlan;
import dev.meta4j.runtime.suite.SuiteReport;
import dev.meta4j.runtime.suite.SuiteRunner;
import dev.meta4j.runtime.suite.SuiteStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meta4j suite}: a grid of methods × seeds into one results table, on any executor. */
@Command(name = "suite", mixinStandardHelpOptions = true,
        description = {"Run a benchmark suite (methods × seeds, plus single-task baselines) and write one"
                + " results table (Markdown and CSV: per-task test metrics mean ± std, Δm%%, mean rank) and a plot.",
            "Runs execute inline (one after another, the default), on local worker processes, or as a Slurm job"
                    + " array (suite.executor or --executor; `meta4j describe suite` lists the settings).",
            "Runs that finished before are skipped, interrupted runs resume from their last checkpoint, failed runs"
                    + " are reported in the table without stopping the others. The suite's folder holds everything"
                    + " needed to follow, collect or resume it later: --status, --collect, --resume."})
final class SuiteCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(SuiteCommand.class);

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "The suite config: a base experiment plus a suite { ... } section.")
    String config;

    @Option(names = "--executor", paramLabel = "NAME",
            description = "Where the runs execute: inline, local or slurm (overrides suite.executor).")
    String executor;

    @Option(names = "--status", paramLabel = "SUITE_DIR",
            description = "Show each run's state, from its folder (and from squeue/sacct for a Slurm suite), and stop.")
    Path status;

    @Option(names = "--collect", paramLabel = "SUITE_DIR",
            description = "Build the results table from the suite's folder alone, and stop.")
    Path collect;

    @Option(names = "--resume", paramLabel = "SUITE_DIR",
            description = "Run (or submit) the suite's unfinished runs again from its folder alone, with the executor"
                    + " it last ran on unless --executor says otherwise.")
    Path resume;

    @Option(names = "--dry-run", description = "Validate every run's config and list the runs, then stop.")
    boolean dryRun;

    @Parameters(paramLabel = "KEY=VALUE", arity = "0..*",
            description = "Overrides applied to every run (the runs' own method and seed still win), and"
                    + " suite.* executor settings such as suite.local.workers=4.")
    List<String> overrides = new ArrayList<>();

    @Mixin PluginOptions plugins;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int modes = (config != null ? 1 : 0) + (status != null ? 1 : 0) + (collect != null ? 1 : 0) + (resume != null ? 1 : 0);
        if (modes != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give exactly one of --config FILE, --status SUITE_DIR, --collect SUITE_DIR, --resume SUITE_DIR");
        }
        if (config == null && !overrides.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "overrides go with --config: a suite's folder"
                    + " runs the configs it holds (" + String.join(" ", overrides) + ")");
        }
        PluginRegistry registry = plugins.registry();
        ConfigLoader loader = new ConfigLoader(registry);
        PrintWriter out = spec.commandLine().getOut();
        if (status != null) {
            out.print(SuiteStatus.of(SuiteFolder.open(status, loader.reference())));
            out.flush();
            return 0;
        }
        if (collect != null) {
            return report(SuiteFolder.open(collect, loader.reference()));
        }
        if (resume != null) {
            SuiteFolder.open(resume, loader.reference()); // a folder that is no suite's fails before the lock is made
            try (RunFolder.Lock lock = SuiteFolder.lock(resume)) {
                SuiteFolder suite = SuiteFolder.open(resume, loader.reference());
                ExecutorSettings settings = executor == null ? suite.settings() : suite.settings().withExecutor(executor);
                return execute(suite, settings, registry, loader);
            }
        }
        Config file = loader.parse(config);
        Config cli = ConfigLoader.overrides(overrides);
        Config whole = cli.withFallback(file).resolve();
        SuitePlan plan = SuitePlan.of(whole);
        ExecutorSettings settings = ExecutorSettings.of(whole.getConfig("suite"), loader.reference(), executor);
        Config base = file.withoutPath("suite");
        List<ExperimentConfig> configs = new SuiteRunner(registry, loader).configs(base, cli.withoutPath("suite"), plan);
        Preflight.startEachMethod(plan, configs, registry);
        Path dir = Path.of(configs.get(0).experiment().getString("output-dir")).resolve(plan.name());
        out.println("suite " + plan.name() + ": " + plan.runs().size() + " runs in " + dir + " (executor "
                + settings.executor() + ")");
        if (dryRun) {
            plan.runs().forEach(r -> out.println("  " + r.folder()));
            out.flush();
            return 0;
        }
        out.flush();
        Files.createDirectories(dir);
        try (RunFolder.Lock lock = SuiteFolder.lock(dir)) {
            return execute(SuiteFolder.write(dir, plan, configs, settings), settings, registry, loader);
        }
    }

    /**
     * Runs or submits the unfinished cells (under the suite's lock), then builds the table unless
     * a scheduler has them.
     */
    private int execute(SuiteFolder suite, ExecutorSettings settings, PluginRegistry registry, ConfigLoader loader)
            throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        SuiteExecutor.Completion done;
        List<Integer> pending = suite.prepare();
        if (pending.isEmpty()) {
            LOG.info("every run of suite {} has finished or is running elsewhere", suite.plan().name());
            done = SuiteExecutor.Completion.done();
        } else {
            done = executor(settings, registry, loader).execute(suite, pending);
        }
        switch (done.kind()) {
            case INTERRUPTED:
                return done.exitCode();
            case SUBMITTED:
                out.println(done.message());
                out.flush();
                return 0;
            default:
                return report(suite);
        }
    }

    private static SuiteExecutor executor(ExecutorSettings settings, PluginRegistry registry, ConfigLoader loader) {
        return switch (settings.executor()) {
            case "inline" -> new InlineExecutor(registry, loader);
            case "local" -> new LocalExecutor(settings.local(), Launcher.of(settings), Runtime.getRuntime().availableProcessors());
            case "slurm" -> new SlurmExecutor(settings.slurm(), Launcher.of(settings));
            default -> throw new ConfigError(new ConfigError.Problem("(suite)", "suite.executor",
                    "unknown executor '" + settings.executor() + "'"));
        };
    }

    /** Writes the table from the folders and prints it; exit 0 only if every run finished. */
    private int report(SuiteFolder suite) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        List<RunOutcome> outcomes = suite.outcomes();
        String markdown = SuiteReport.write(suite.dir(), suite.plan(), outcomes);
        Path dir = suite.dir();
        out.println();
        out.println(markdown);
        out.println("results: " + dir.resolve("results.md") + ", " + dir.resolve("results.csv") + ", "
                + dir.resolve("runs.csv") + ", " + dir.resolve("results.png") + "; cost: " + dir.resolve("cost.md"));
        out.flush();
        return outcomes.stream().allMatch(RunOutcome::finished) ? 0 : Main.EXIT_FAILED;
    }
}
