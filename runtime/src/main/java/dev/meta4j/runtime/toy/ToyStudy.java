package dev.meta4j.runtime.toy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.config.PluginChoice;
import dev.meta4j.runtime.engine.TorchEngine;
import dev.meta4j.runtime.experiment.ExperimentResources;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The toy study of CAGrad, Nash-MTL and FAMO: every registered weighting method optimises the
 * {@link ToyProblem} from its five starting points, and each run's end point is tested against
 * the analytically known Pareto set ({@link ParetoSet}).
 *
 * <p><b>Protocol</b> (the FAMO repository's {@code experiments/toy/trainer.py}, itself the
 * Nash-MTL script's): the parameter {@code x} (float32, as the scripts) is trained by Adam with
 * learning rate {@code 1e-3} (PyTorch's betas and eps) for 50,000 steps (Nash-MTL's script:
 * 35,000), and a method's own parameters (UW's log-variances) by a second Adam with learning rate
 * {@code 0.025} (the scripts' {@code --method-params-lr}). Each method and both optimizers are
 * created exactly as in an experiment, through the config loader and {@link ExperimentResources}:
 * the method's {@code reference.conf} defaults, then the study's settings of that method (read
 * from {@code meta4j.toy-study.method-settings.<name>}, which a plugin jar ships beside its
 * defaults: FAMO's {@code gamma = 0} is the FAMO toy script's setting), then the user's, all
 * validated against the method's declarations; the optimizer is {@code meta4j.toy-study.optimizer}.
 * Each run draws from its own split of the master seed.
 *
 * <p><b>What the methods see.</b> The losses {@code l - LOWER_BOUNDS} (see {@link
 * ToyProblem#LOWER_BOUNDS}), which are positive. For FAMO this is exactly the FAMO script, which
 * sets these bounds as FAMO's minimum losses; for every method that uses gradients only, and for
 * LS and RLW, a constant shift changes nothing; for the methods that need positive losses (the
 * logarithm of scale-invariant LS, UW's {@code exp(-s) l}, whose raw form is unbounded below for a
 * negative loss, DWA's loss ratios) it is what makes them well defined. Tables and plots show the
 * unshifted losses, as the papers do.
 *
 * <p><b>The step</b> mirrors the multi-task algorithm: the method says what it needs; it gets
 * the per-task gradients of {@code x} (which is both the shared parameters and, for MGDA-UB and
 * GradDrop, the shared representation, a batch of one); an {@link Combination.Objective} is
 * back-propagated by the engine's autograd (and {@code x}'s gradient clipped to its {@code
 * maxSharedGradientNorm}), a {@link Combination.SharedGradient} or a {@link
 * Combination.RepresentationGradient} is {@code x}'s update direction (there are no heads, and the
 * encoder is the identity); FAMO receives the losses after the step. The losses enter the engine as their first-order expansion at the
 * current point ({@link ToyProblem.Expansion}: the toy's exact values and gradients, 3 engine ops,
 * so the per-task gradients are the Jacobian's rows); {@link Settings#exactGraph()} records the
 * toy's whole computation instead (2 to 3.5 times slower; on 25 runs of 12,000 steps it gave the
 * same outcome for every run and end points equal to about 1e-4, the rest float32 rounding
 * amplified along the front). Each step is one epoch (the whole objective is seen every step),
 * which is what DWA's epochs become here. Runs are independent and deterministic; with several
 * threads, methods run in parallel, each run on one thread.
 */
public final class ToyStudy {

    /**
     * What to run.
     *
     * @param steps optimizer steps per run (the papers: 50,000)
     * @param learningRate Adam's learning rate for {@code x} (the papers: 1e-3)
     * @param methodLearningRate Adam's learning rate for a method's own parameters (0.025)
     * @param methods the weighting methods to run, in order; empty for every registered one
     * @param overrides HOCON overrides by method, such as {@code famo { gamma = 0.01 }}
     * @param seed the master seed (RLW's draws, PCGrad's order)
     * @param threads how many methods run at once
     * @param exactGraph record the toy's whole computation in the engine ({@link
     *     ToyProblem#losses}) instead of its first-order expansion ({@link ToyProblem#linearized}):
     *     the same losses and gradients up to float32 rounding, several times slower
     * @param maxGradNorm by method, a norm to which {@code x}'s gradient is clipped after the
     *     method's combination ({@code torch.nn.utils.clip_grad_norm_}); the FAMO toy script does
     *     this, with norm 1, for PCGrad and CAGrad (its {@code WeightMethod.backward}); methods not
     *     named are not clipped beyond what they ask for themselves
     */
    public record Settings(
            int steps,
            double learningRate,
            double methodLearningRate,
            List<String> methods,
            Config overrides,
            long seed,
            int threads,
            boolean exactGraph,
            Map<String, Double> maxGradNorm) {

        /** The papers' step count (the FAMO toy script's; the Nash-MTL script runs 35,000). */
        public static final int PAPER_STEPS = 50_000;

        /**
         * The papers' settings.
         *
         * @return 50,000 steps, learning rates 1e-3 and 0.025, every method, seed 0, one thread, the
         *     first-order expansion
         */
        public static Settings paper() {
            return new Settings(PAPER_STEPS, 1e-3, 0.025, List.of(), ConfigFactory.empty(), 0, 1, false, Map.of());
        }

        /**
         * Checks the values.
         *
         * @throws IllegalArgumentException for a non-positive count or rate
         */
        public Settings {
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be at least 1, got " + steps);
            }
            if (!(learningRate > 0) || !(methodLearningRate > 0)) {
                throw new IllegalArgumentException("learning rates must be positive");
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            }
            methods = List.copyOf(methods);
            overrides = overrides == null ? ConfigFactory.empty() : overrides;
            maxGradNorm = maxGradNorm == null ? Map.of() : Map.copyOf(maxGradNorm);
            for (var e : maxGradNorm.entrySet()) {
                if (!(e.getValue() >= 0) || e.getValue().isInfinite()) {
                    throw new IllegalArgumentException("max-grad-norm of " + e.getKey() + " must be >= 0, got "
                            + e.getValue());
                }
            }
        }
    }

    /**
     * One run: a method from one starting point.
     *
     * @param method the method's name
     * @param start the index of the starting point in {@link ToyProblem#STARTS}
     * @param x1 the trajectory's first coordinates, the start first, one entry per step done
     * @param x2 the trajectory's second coordinates
     * @param steps the steps done (fewer than asked if the point stopped being finite)
     * @param finite whether every point of the trajectory is finite
     * @param finalLosses the unshifted losses at the end point
     * @param distance the end point's distance to the Pareto set
     * @param residual the Pareto-stationarity residual at the end point
     * @param error the exception that stopped the run early, or null
     * @param reachedAt the step from which the run stays on the Pareto front to its end, or -1
     */
    public record Run(
            String method,
            int start,
            float[] x1,
            float[] x2,
            int steps,
            boolean finite,
            double[] finalLosses,
            double distance,
            double residual,
            String error,
            int reachedAt) {

        /** @return whether the run ends on the Pareto front (finished, finite and within tolerance) */
        public boolean onFront() {
            return error == null && finite && distance <= ParetoSet.TOLERANCE;
        }

        /** @return the end point {@code {x1, x2}} */
        public double[] end() {
            return new double[] {x1[steps], x2[steps]};
        }
    }

    /**
     * A method's five runs.
     *
     * @param method the name
     * @param runs one per starting point
     * @param seconds the wall time of the five runs
     */
    public record MethodResult(String method, List<Run> runs, double seconds) {

        /** @return how many runs end on the Pareto front */
        public int onFront() {
            return (int) runs.stream().filter(Run::onFront).count();
        }

        /** @return how many runs stopped with an error */
        public int errors() {
            return (int) runs.stream().filter(r -> r.error() != null).count();
        }
    }

    /**
     * The whole study.
     *
     * @param settings what was run
     * @param methods per method, in the order asked
     * @param seconds the wall time
     */
    public record Result(Settings settings, List<MethodResult> methods, double seconds) {}

    private final PluginRegistry registry;
    private final ConfigLoader loader;

    /**
     * A study over a registry's weighting methods.
     *
     * @param registry the plugins (the weighting methods are discovered there, third-party ones
     *     included)
     */
    public ToyStudy(PluginRegistry registry) {
        this.registry = registry;
        this.loader = new ConfigLoader(registry);
    }

    /**
     * The methods a study runs.
     *
     * @param settings the settings
     * @return the requested names, or every registered weighting method
     * @throws dev.meta4j.runtime.plugin.PluginError for an unknown name
     */
    public List<String> methods(Settings settings) {
        if (settings.methods().isEmpty()) {
            return List.copyOf(registry.all(PluginKind.WEIGHTING).keySet());
        }
        for (String m : settings.methods()) {
            registry.get(PluginKind.WEIGHTING, m);
        }
        return settings.methods();
    }

    /**
     * Runs the study.
     *
     * @param settings what to run
     * @param progress receives one line per finished method
     * @return the results
     */
    public Result run(Settings settings, Consumer<String> progress) {
        List<String> names = methods(settings);
        for (String key : settings.overrides().root().keySet()) {
            if (!names.contains(key)) {
                throw new IllegalArgumentException("override for '" + key + "', which is not a method of this study "
                        + names);
            }
        }
        for (String key : settings.maxGradNorm().keySet()) {
            if (!names.contains(key)) {
                throw new IllegalArgumentException("max-grad-norm for '" + key + "', which is not a method of this study "
                        + names);
            }
        }
        Map<String, ExperimentConfig> configs = new java.util.LinkedHashMap<>();
        for (String name : names) {
            configs.put(name, configOf(name, settings)); // fail on a bad setting before any work
        }
        TorchEngine.setThreads(1);
        long t0 = System.nanoTime();
        List<MethodResult> results = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(settings.threads(), names.size()));
        try {
            List<Future<MethodResult>> futures = new ArrayList<>();
            for (String name : names) {
                futures.add(pool.submit(() -> {
                    MethodResult r = runMethod(name, configs.get(name), settings);
                    progress.accept(String.format(java.util.Locale.ROOT, "%-12s %d/5 on the Pareto front%s  (%.1f s)",
                            name, r.onFront(), r.errors() > 0 ? ", " + r.errors() + " failed with an error" : "",
                            r.seconds()));
                    return r;
                }));
            }
            for (Future<MethodResult> f : futures) {
                results.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("toy study interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
        }
        return new Result(settings, results, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * A method's run config in this study, loaded and validated as an experiment's: the method's
     * defaults, the study's settings of it ({@code meta4j.toy-study.method-settings}), the
     * user's; the study's optimizer at the study's learning rate; CPU, float32.
     *
     * @param name the method
     * @param settings the study's settings
     * @return the validated config
     * @throws dev.meta4j.runtime.config.ConfigError naming the setting, with the closest valid key
     */
    public ExperimentConfig configOf(String name, Settings settings) {
        Config reference = loader.reference();
        String studyPath = "meta4j.toy-study.method-settings.\"" + name + "\"";
        Config study = reference.hasPath(studyPath) ? reference.getConfig(studyPath) : ConfigFactory.empty();
        String quoted = "\"" + name + "\"";
        Config user = settings.overrides().hasPath(quoted) ? settings.overrides().getConfig(quoted) : ConfigFactory.empty();
        Config weighting = user.withFallback(study).withFallback(ConfigFactory.parseMap(Map.of("type", name)));
        Config optimizer = ConfigFactory.parseMap(Map.of("lr", settings.learningRate()))
                .withFallback(reference.getConfig("meta4j.toy-study.optimizer"));
        Config file = ConfigFactory.parseMap(Map.of("device", "cpu", "dtype", "float32", "seed", settings.seed()),
                        "meta4j toy-study").atKey("experiment")
                .withFallback(weighting.atKey("weighting"))
                .withFallback(optimizer.atKey("optimizer"));
        return loader.load(file, ConfigFactory.empty(), java.util.Set.of());
    }

    private MethodResult runMethod(String name, ExperimentConfig config, Settings settings) {
        long t0 = System.nanoTime();
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < ToyProblem.STARTS.size(); i++) {
            Rng master = new Rng(settings.seed()).split("toy-study").split(name).split("start-" + i);
            try (ExperimentResources resources = ExperimentResources.open(config.experiment(), master)) {
                runs.add(runOne(name, i, settings, config, resources));
            }
        }
        return new MethodResult(name, runs, (System.nanoTime() - t0) / 1e9);
    }

    private <T> T create(PluginKind kind, ExperimentConfig config, ExperimentResources resources, Class<T> type) {
        PluginChoice choice = config.plugin(kind).orElseThrow();
        return ExperimentResources.create(registry, kind, choice, resources.context(kind, choice, registry), type);
    }

    private Run runOne(String name, int start, Settings settings, ExperimentConfig config,
            ExperimentResources resources) {
        DataType type = resources.dataType();
        NDManager runManager = resources.manager();
        Autograd autograd = resources.autograd();
        WeightingMethod method = create(PluginKind.WEIGHTING, config, resources, WeightingMethod.class);
        method.init(2);
        Params methodParams = method.parameters();
        Optimizer adamX = create(PluginKind.OPTIMIZER, config, resources, Optimizer.class);
        Optimizer adamMethod = create(PluginKind.OPTIMIZER, config, resources, Optimizer.class);

        double[] s = ToyProblem.STARTS.get(start);
        NDArray x = runManager.create(new float[] {(float) s[0], (float) s[1]});
        x.setRequiresGradient(true);
        Params xParams = Params.builder().add("x", x).build();
        int n = settings.steps();
        float[] x1 = new float[n + 1];
        float[] x2 = new float[n + 1];
        x1[0] = (float) s[0];
        x2[0] = (float) s[1];
        int done = 0;
        boolean finite = true;
        String error = null;
        float[] current = {(float) s[0], (float) s[1]};
        try (ToyProblem.Constants k = new ToyProblem.Constants(runManager, type)) {
            for (int step = 0; step < n && finite; step++) {
                try (NDManager m = runManager.newSubManager()) {
                    xParams.tempAttach(m);
                    methodParams.tempAttach(m);
                    LossModel model = settings.exactGraph() ? exact(x, k, autograd) : expansion(x, current, m);
                    NDList grads = step(method, new TrainingClock(step, n, 1), x, methodParams, model, m, autograd,
                            settings.maxGradNorm().getOrDefault(name, 0.0));
                    adamX.step(xParams, new NDList(grads.get(0)), settings.learningRate());
                    if (methodParams.size() > 0) {
                        adamMethod.step(methodParams, new NDList(grads.subList(1, grads.size())),
                                settings.methodLearningRate());
                    }
                    float[] v = x.toFloatArray();
                    if (method.wantsLossesAfterStep()) {
                        try (Autograd.Scope off = autograd.pause()) {
                            method.afterStep(settings.exactGraph()
                                    ? ToyProblem.shifted(ToyProblem.losses(x, k), k)
                                    : new ToyProblem.Expansion(v).losses(x, m));
                        }
                    }
                    current = v;
                    x1[step + 1] = v[0];
                    x2[step + 1] = v[1];
                    finite = Float.isFinite(v[0]) && Float.isFinite(v[1]);
                    done = step + 1;
                }
            }
        } catch (RuntimeException e) {
            // a method that fails is reported in the table; the other runs go on
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        double e1 = x1[done];
        double e2 = x2[done];
        double[] losses = finite ? ToyProblem.values(e1, e2) : new double[] {Double.NaN, Double.NaN};
        double[][] g = finite ? ToyProblem.gradients(e1, e2) : null;
        return new Run(name, start, x1, x2, done, finite, losses,
                finite ? ParetoSet.distance(e1, e2) : Double.NaN,
                finite ? ParetoSet.residual(g[0], g[1]) : Double.NaN, error,
                finite && error == null ? ParetoSet.reachedAt(x1, x2, done) : -1);
    }

    /** The shifted losses of the current point and their per-task gradients. */
    private interface LossModel {
        /** @return the losses, recorded when called in a recording scope */
        NDArray losses();

        /** @return the per-task gradients {@code [2, 2]} of {@code losses} */
        NDArray perTask(NDArray losses);
    }

    /** The toy's whole computation in the engine, per-task gradients by autograd. */
    private static LossModel exact(NDArray x, ToyProblem.Constants k, Autograd autograd) {
        return new LossModel() {
            @Override
            public NDArray losses() {
                return ToyProblem.shifted(ToyProblem.losses(x, k), k);
            }

            @Override
            public NDArray perTask(NDArray losses) {
                NDList rows = new NDList(2);
                for (int i = 0; i < 2; i++) {
                    rows.add(autograd.grad(losses.get(i), new NDList(x), GraphMode.RETAIN).get(0));
                }
                return NDArrays.stack(rows);
            }
        };
    }

    /** The first-order expansion; its per-task gradients are the Jacobian's rows. */
    private static LossModel expansion(NDArray x, float[] at, NDManager m) {
        ToyProblem.Expansion e = new ToyProblem.Expansion(at);
        return new LossModel() {
            @Override
            public NDArray losses() {
                return e.losses(x, m);
            }

            @Override
            public NDArray perTask(NDArray losses) {
                return e.jacobian(m);
            }
        };
    }

    /** One step's gradients: {@code x}'s first, then the method's own parameters'. */
    private static NDList step(WeightingMethod method, TrainingClock clock, NDArray x, Params methodParams,
            LossModel model, NDManager m, Autograd autograd, double studyMaxNorm) {
        Need need = method.need(clock.step());
        NDList inputs = new NDList(x);
        inputs.addAll(methodParams.arrays());
        NDList grads;
        double maxNorm = 0;
        try (Autograd.Scope rec = autograd.record()) {
            NDArray losses = model.losses();
            NDArray perTask = null;
            if (need != Need.LOSSES) {
                perTask = model.perTask(losses);
            }
            // x is also the representation: a batch of one
            boolean representation = need == Need.REPRESENTATION_GRADIENTS;
            TaskSignals signals = new TaskSignals(losses,
                    need == Need.SHARED_GRADIENTS ? perTask : null,
                    representation ? perTask : null,
                    representation ? x.stopGradient().reshape(1, x.size()) : null,
                    clock, m);
            Combination c = method.combine(signals);
            if (c instanceof Combination.Objective o) {
                grads = autograd.grad(o.objective(), inputs, GraphMode.RELEASE);
                maxNorm = o.maxSharedGradientNorm();
            } else {
                if (perTask == null) {
                    throw new IllegalStateException(method.getClass().getName()
                            + " returned a gradient without asking for per-task gradients");
                }
                // x is the shared parameters and the representation (the encoder is the identity)
                NDArray direction = c instanceof Combination.SharedGradient sg ? sg.sharedGradient()
                        : ((Combination.RepresentationGradient) c).gradient();
                grads = new NDList(inputs.size());
                grads.add(direction.reshape(x.getShape()));
                for (NDArray p : methodParams.arrays()) {
                    grads.add(p.zerosLike());
                }
            }
        }
        if (maxNorm > 0) {
            grads.set(0, clip(grads.get(0), maxNorm));
        }
        if (studyMaxNorm > 0) {
            grads.set(0, clip(grads.get(0), studyMaxNorm));
        }
        return grads;
    }

    /** {@code torch.nn.utils.clip_grad_norm_}: scale down to {@code maxNorm / (norm + 1e-6)} when above. */
    private static NDArray clip(NDArray g, double maxNorm) {
        float[] v = g.toType(DataType.FLOAT32, false).toFloatArray();
        double norm = 0;
        for (float f : v) {
            norm += (double) f * f;
        }
        norm = Math.sqrt(norm);
        return norm > maxNorm ? g.mul(maxNorm / (norm + 1e-6)) : g;
    }
}
