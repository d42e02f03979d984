package dev.meta4j.runtime.cli;

import com.typesafe.config.Config;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.toy.ParetoSet;
import dev.meta4j.runtime.toy.ToyStudy;
import dev.meta4j.runtime.toy.ToyStudyPlot;
import dev.meta4j.runtime.toy.ToyStudyReport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meta4j toy-study}: the two-task toy problem of CAGrad, Nash-MTL and FAMO, every weighting method. */
@Command(name = "toy-study", mixinStandardHelpOptions = true,
        description = {"Run every weighting method (built-in and third-party) on the two-task toy problem of the"
                + " CAGrad, Nash-MTL and FAMO papers from its five starting points, with the papers' optimizer"
                + " (Adam, lr 1e-3, 50000 steps), and report which runs end on the analytically known Pareto front.",
            "Writes toy-study.png (the loss landscape with every method's trajectories), toy-study.md and"
                    + " toy-study.csv into --out, and prints the table."})
final class ToyStudyCommand implements Callable<Integer> {

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "toy-study",
            description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "50000",
            description = "Adam steps per run (the papers: ${DEFAULT-VALUE}); fewer for a quick look.")
    int steps;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.001",
            description = "Adam's learning rate for the parameter (the papers: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--method-lr", paramLabel = "RATE", defaultValue = "0.025",
            description = "Adam's learning rate for a method's own parameters, such as UW's (the papers:"
                    + " ${DEFAULT-VALUE}).")
    double methodLr;

    @Option(names = "--methods", paramLabel = "A,B", split = ",",
            description = "Only these weighting methods, in this order (default: every registered one).")
    List<String> methods = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "0", description = "Master seed (RLW's draws, PCGrad's order).")
    long seed;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Methods run at once (each run stays on one thread; results do not depend on it).")
    int threads;

    @Option(names = "--exact-graph",
            description = "Record the toy's whole computation in the engine (about 30 ops a step) instead of its"
                    + " first-order expansion at the current point (exact in value and gradient, 3 ops); for checking.")
    boolean exactGraph;

    @Option(names = "--max-grad-norm", paramLabel = "METHOD=NORM", split = ",",
            description = "Clip the parameter's gradient to NORM after this method's combination, as the FAMO toy"
                    + " script does for PCGrad and CAGrad (--max-grad-norm pcgrad=1,cagrad=1 reproduces it).")
    Map<String, Double> maxGradNorm = new LinkedHashMap<>();

    @Parameters(paramLabel = "METHOD.KEY=VALUE", arity = "0..*",
            description = "Settings of a method on top of its defaults and the study's (FAMO: gamma = 0),"
                    + " such as famo.gamma=0.01.")
    List<String> overrides = new ArrayList<>();

    @Mixin PluginOptions plugins;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Config extra = ConfigLoader.overrides(overrides);
        ToyStudy study = new ToyStudy(plugins.registry());
        ToyStudy.Settings settings = new ToyStudy.Settings(steps, lr, methodLr, methods, extra, seed, threads, exactGraph,
                maxGradNorm);
        PrintWriter o = spec.commandLine().getOut();
        List<String> names = study.methods(settings);
        o.println("toy study: " + names.size() + " methods x 5 starts, " + steps + " steps each -> " + out);
        o.flush();
        ToyStudy.Result result = study.run(settings, line -> {
            synchronized (o) {
                o.println("  " + line);
                o.flush();
            }
        });
        Files.createDirectories(out);
        ToyStudyReport.write(result, out);
        Path png = out.resolve("toy-study.png");
        ToyStudyPlot.write(result, png);
        o.println();
        o.println(ToyStudyReport.markdown(result));
        o.println("Pareto test: distance of the end point to the analytic Pareto set <= " + ParetoSet.TOLERANCE
                + " (stationarity residual in the CSV).");
        o.println("results: " + out.resolve("toy-study.md") + ", " + out.resolve("toy-study.csv") + ", " + png);
        o.flush();
        int errors = result.methods().stream().mapToInt(ToyStudy.MethodResult::errors).sum();
        if (errors > 0) {
            spec.commandLine().getErr().println("error: " + errors + " run(s) stopped with an error (see the table)");
            spec.commandLine().getErr().flush();
            return Main.EXIT_FAILED;
        }
        return 0;
    }
}
