package dev.meta4j.runtime.cli;

import com.typesafe.config.Config;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import dev.meta4j.runtime.suite.ExecutorSettings;
import dev.meta4j.runtime.suite.SuitePlan;
import dev.meta4j.runtime.suite.SuiteRunner;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meta4j validate --config FILE}: checks a config without running it. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a config as strictly as `run` does (keys, types, ranges, plugin names, and every"
                + " plugin's own checks, by creating the plugins) without training or writing anything;"
                + " exit code 2 if it is invalid.")
final class ValidateCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true,
            description = "The config file (or the name of a bundled example config).")
    String config;

    @Parameters(paramLabel = "KEY=VALUE", arity = "0..*", description = "Overrides, as for `run`.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--print", description = "Print the fully resolved config.")
    boolean print;

    @Mixin PluginOptions plugins;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PluginRegistry registry = plugins.registry();
        ConfigLoader loader = new ConfigLoader(registry);
        Config file = loader.parse(config);
        ExperimentConfig cfg = loader.load(file, ConfigLoader.overrides(overrides), Set.of("suite"));
        // Creates every plugin as `run` (or `suite`) does, so that their own checks run too; nothing is
        // trained or written. A suite's base config need not run on its own (the suite sets
        // weighting.type for every run), so a suite is checked through its runs only.
        if (file.hasPath("suite")) {
            validateSuite(file, registry, loader);
        } else {
            Preflight.start(cfg, registry).close();
        }
        PrintWriter out = spec.commandLine().getOut();
        StringBuilder sb = new StringBuilder();
        for (PluginKind k : PluginKind.values()) {
            cfg.plugin(k).ifPresent(c -> sb.append(sb.length() == 0 ? "" : ", ").append(k.section()).append('=').append(c.name()));
        }
        out.println(config + ": OK (" + sb + ")");
        if (print) {
            out.println(cfg.render());
        }
        out.flush();
        return 0;
    }

    /** Every run of a suite loads, and the first run of each method starts, as `suite` checks them. */
    private void validateSuite(Config file, PluginRegistry registry, ConfigLoader loader) {
        Config cli = ConfigLoader.overrides(overrides);
        Config whole = cli.withFallback(file).resolve();
        SuitePlan plan = SuitePlan.of(whole);
        ExecutorSettings.of(whole.getConfig("suite"), loader.reference(), null);
        List<ExperimentConfig> configs = new SuiteRunner(registry, loader).configs(file.withoutPath("suite"),
                cli.withoutPath("suite"), plan);
        Preflight.startEachMethod(plan, configs, registry);
    }
}
