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
import dev.meta4j.runtime.experiment.RunLog;
import dev.meta4j.runtime.experiment.Trainer;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
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
            description = "Continue an interrupted run from its last checkpoint, in the same folder.")
    Path resume;

    @Parameters(paramLabel = "KEY=VALUE", arity = "0..*",
            description = "Overrides applied after the config file, such as experiment.seed=3 weighting.gamma=0.001.")
    List<String> overrides = new ArrayList<>();

    @Mixin PluginOptions plugins;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PluginRegistry registry = plugins.registry();
        ConfigLoader loader = new ConfigLoader(registry);
        Config file;
        RunFolder folder;
        Checkpoint.Contents resumeFrom = null;
        if (resume != null) {
            if (config != null) {
                throw new IllegalArgumentException("--resume continues a run with its own saved config; drop --config");
            }
            folder = new RunFolder(resume);
            if (!Files.isRegularFile(folder.config())) {
                throw new IllegalArgumentException(resume + " is not a run folder: no config.conf in it");
            }
            file = loader.parse(folder.config().toString());
        } else {
            file = loader.parse(config != null ? config : DEFAULT_CONFIG);
            folder = null;
        }
        if (file.hasPath("suite")) {
            throw new ConfigError(ConfigError.Problem.at(file.getValue("suite").origin(), "suite",
                    "this is a suite config (methods x seeds): run it with `meta4j suite --config " + config + "`"));
        }
        ExperimentConfig cfg = loader.load(file, ConfigLoader.overrides(overrides), Set.of());
        PrintWriter out = spec.commandLine().getOut();
        try (Experiment experiment = Preflight.start(cfg, registry)) {
            if (folder == null) {
                Path outDir = Path.of(cfg.experiment().getString("output-dir"));
                folder = RunFolder.create(outDir, cfg.experiment().getString("name"));
            } else {
                resumeFrom = Checkpoint.read(folder.lastCheckpoint(), experiment.manager());
            }
            try (RunLog log = RunLog.attach(folder.log())) {
                Trainer trainer = new Trainer(experiment, folder);
                out.println("run folder: " + folder.dir());
                out.flush();
                Trainer.Result result = trainer.run(resumeFrom);
                print(out, "test (final parameters)", result.test());
                if (!result.testBest().asMap().isEmpty()) {
                    print(out, "test (best validation checkpoint)", result.testBest());
                }
                out.printf(Locale.ROOT, "%.1f steps/s; outputs in %s%n",
                        result.summary().get("steps_per_second").getAsDouble(), folder.dir());
            }
        } catch (UncheckedIOException e) {
            throw e;
        }
        out.flush();
        return 0;
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
