package dev.meta4j.runtime.cli;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.typesafe.config.Config;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.experiment.Experiment;
import dev.meta4j.runtime.experiment.RunLength;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meta4j bench}: training steps per second of a config, measured like the reference
 * scripts (warm-up steps, then the median rate over equal timed windows), optionally for several
 * values of one key in one process, each variant on the same batches, with ratios to the first.
 * The variants take turns within every window.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure training steps per second of a config (no evaluation, no outputs).",
            "With --vary KEY=A,B,C (or --variant) every variant is measured in this process, on the same"
                    + " batches, taking turns within each timed window, and reported as a ratio of time per"
                    + " step to the first."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "The config (default: the built-in experiment).")
    String config;

    @Option(names = "--steps", description = "Timed steps per variant (default ${DEFAULT-VALUE}).")
    int steps = 600;

    @Option(names = "--warmup", description = "Untimed steps first (default ${DEFAULT-VALUE}).")
    int warmup = 50;

    @Option(names = "--repeats", description = "Timed windows; the median rate is reported (default ${DEFAULT-VALUE}).")
    int repeats = 3;

    @Option(names = "--vary", paramLabel = "KEY=V1,V2", description = "Measure each value of one key.")
    String vary;

    @Option(names = "--variant", paramLabel = "LABEL:K=V[,K=V]",
            description = "A named variant with its own overrides (repeatable), such as"
                    + " famo-core:weighting.type=famo,weighting.update=none.")
    List<String> namedVariants = new ArrayList<>();

    @Parameters(paramLabel = "KEY=VALUE", arity = "0..*", description = "Overrides, as for `run`.")
    List<String> overrides = new ArrayList<>();

    @Mixin PluginOptions plugins;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PluginRegistry registry = plugins.registry();
        ConfigLoader loader = new ConfigLoader(registry);
        Config file = loader.parse(config != null ? config : RunCommand.DEFAULT_CONFIG);
        List<Variant> variants = new ArrayList<>();
        if (vary != null) {
            int eq = vary.indexOf('=');
            if (eq <= 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--vary takes KEY=V1,V2,..., got " + vary);
            }
            String key = vary.substring(0, eq);
            for (String v : vary.substring(eq + 1).split(",")) {
                variants.add(new Variant(key + "=" + v, List.of(key + "=" + v)));
            }
        }
        for (String nv : namedVariants) {
            int colon = nv.indexOf(':');
            if (colon <= 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--variant takes LABEL:K=V[,K=V], got " + nv);
            }
            variants.add(new Variant(nv.substring(0, colon), Arrays.asList(nv.substring(colon + 1).split(","))));
        }
        if (variants.isEmpty()) {
            variants.add(new Variant("config", List.of()));
        }
        List<ExperimentConfig> configs = new ArrayList<>();
        for (Variant variant : variants) {
            List<String> all = new ArrayList<>(overrides);
            all.addAll(variant.overrides());
            configs.add(loader.load(file, ConfigLoader.overrides(all), Set.of("suite")));
        }
        double[][] rates = measure(configs, registry);
        PrintWriter out = spec.commandLine().getOut();
        Gson gson = new Gson();
        double first = median(rates[0]);
        for (int v = 0; v < variants.size(); v++) {
            double median = median(rates[v]);
            String label = variants.get(v).label();
            out.printf(Locale.ROOT, "%-34s %9.2f steps/s  %8.3f ms/step  time vs first %.2fx  windows %s%n",
                    label, median, 1000 / median, first / median, Arrays.toString(round(rates[v])));
            JsonObject json = new JsonObject();
            json.addProperty("variant", label);
            json.addProperty("steps_per_s", median);
            json.addProperty("ms_per_step", 1000 / median);
            json.addProperty("time_vs_first", first / median);
            json.add("windows", gson.toJsonTree(rates[v]));
            out.println("JSON " + gson.toJson(json));
        }
        out.flush();
        return 0;
    }

    private record Variant(String label, List<String> overrides) {}

    /**
     * Steps per second of each variant in each window. All variants are set up and warmed up
     * first; then every window times each variant in turn, so that the drift of a shared machine
     * (measured: ±10 % from one second to the next) falls on all of them alike instead of on
     * whichever variant happened to run during a slow minute.
     */
    private double[][] measure(List<ExperimentConfig> configs, PluginRegistry registry) {
        List<Experiment> experiments = new ArrayList<>();
        try {
            for (ExperimentConfig cfg : configs) {
                experiments.add(Experiment.create(cfg, registry));
            }
            long total = warmup + (long) steps;
            int windows = Math.max(1, Math.min(repeats, steps));
            long[] next = new long[experiments.size()];
            long[] stepsPerEpoch = new long[experiments.size()];
            for (int v = 0; v < experiments.size(); v++) {
                Experiment e = experiments.get(v);
                stepsPerEpoch[v] = RunLength.of(e.config().experiment(), e.algorithm().stepsPerEpoch()).stepsPerEpoch();
            }
            for (int v = 0; v < experiments.size(); v++) {
                experiments.get(v).applyThreads();
                for (; next[v] < warmup; next[v]++) {
                    step(experiments.get(v), next[v], total, stepsPerEpoch[v]);
                }
            }
            double[][] rates = new double[experiments.size()][windows];
            for (int w = 0; w < windows; w++) {
                long n = (long) steps * (w + 1) / windows - (long) steps * w / windows;
                for (int v = 0; v < experiments.size(); v++) {
                    Experiment e = experiments.get(v);
                    e.applyThreads(); // variants may differ in experiment.threads
                    long t0 = System.nanoTime();
                    for (long i = 0; i < n; i++, next[v]++) {
                        step(e, next[v], total, stepsPerEpoch[v]);
                    }
                    rates[v][w] = n / ((System.nanoTime() - t0) / 1e9);
                }
            }
            return rates;
        } finally {
            experiments.forEach(Experiment::close);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** The trainer's own step, on a clock as long as the measurement, so a schedule runs its course. */
    private static void step(Experiment e, long s, long total, long stepsPerEpoch) {
        e.trainStep(new TrainingClock(s, total, stepsPerEpoch));
    }

    private static double[] round(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = Math.round(v[i] * 100) / 100.0;
        }
        return r;
    }
}
