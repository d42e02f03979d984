package dev.meta4j.runtime.cli;

import com.typesafe.config.Config;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.plugin.PluginRegistry;
import dev.meta4j.runtime.suite.RunOutcome;
import dev.meta4j.runtime.suite.SuitePlan;
import dev.meta4j.runtime.suite.SuiteReport;
import dev.meta4j.runtime.suite.SuiteRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meta4j suite --config FILE}: a grid of methods × seeds into one results table. */
@Command(name = "suite", mixinStandardHelpOptions = true,
        description = {"Run a benchmark suite (methods × seeds, plus single-task baselines) and write one"
                + " results table (Markdown and CSV: per-task test metrics mean ± std, Δm%%, mean rank) and a plot.",
            "Runs that finished before are skipped, interrupted runs resume, failed runs are reported in the"
                    + " table without stopping the others."})
final class SuiteCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true,
            description = "The suite config: a base experiment plus a suite { ... } section.")
    String config;

    @Option(names = "--dry-run", description = "Validate every run's config and list the runs, then stop.")
    boolean dryRun;

    @Parameters(paramLabel = "KEY=VALUE", arity = "0..*",
            description = "Overrides applied to every run (the runs' own method and seed still win).")
    List<String> overrides = new ArrayList<>();

    @Mixin PluginOptions plugins;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PluginRegistry registry = plugins.registry();
        ConfigLoader loader = new ConfigLoader(registry);
        Config file = loader.parse(config);
        Config cli = ConfigLoader.overrides(overrides);
        SuitePlan plan = SuitePlan.of(cli.withFallback(file).resolve());
        Config base = file.withoutPath("suite");
        SuiteRunner runner = new SuiteRunner(registry, loader);
        List<ExperimentConfig> configs = runner.configs(base, cli, plan);
        Preflight.startEachMethod(plan, configs, registry);
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Path.of(configs.get(0).experiment().getString("output-dir")).resolve(plan.name());
        out.println("suite " + plan.name() + ": " + plan.runs().size() + " runs in " + dir);
        if (dryRun) {
            plan.runs().forEach(r -> out.println("  " + r.folder()));
            out.flush();
            return 0;
        }
        out.flush();
        List<RunOutcome> outcomes = runner.run(dir, plan, configs);
        String markdown = SuiteReport.write(dir, plan, outcomes);
        out.println();
        out.println(markdown);
        out.println("results: " + dir.resolve("results.md") + ", " + dir.resolve("results.csv") + ", "
                + dir.resolve("runs.csv") + ", " + dir.resolve("results.png"));
        out.flush();
        return outcomes.stream().allMatch(RunOutcome::finished) ? 0 : Main.EXIT_FAILED;
    }

}
