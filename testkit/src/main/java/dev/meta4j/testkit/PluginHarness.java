package dev.meta4j.testkit;

import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.PluginFactory;
import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.config.PluginChoice;
import dev.meta4j.runtime.experiment.ExperimentResources;
import dev.meta4j.runtime.plugin.PluginError;
import dev.meta4j.runtime.plugin.PluginKind;
import java.util.Set;

/**
 * Creates one plugin in a test exactly as {@code meta4j run} creates it.
 *
 * <pre>{@code
 * try (PluginHandle<WeightingMethod> gls = PluginHarness.of(WeightingFactory.class, "gls")
 *         .with("eps", 0)
 *         .dataType(DataType.FLOAT64)
 *         .create()) {
 *     WeightingMethod method = gls.plugin();
 *     ...
 * }
 * }</pre>
 *
 * <p>What {@link #create()} does is the runtime's own code, not a copy of it:
 *
 * <ul>
 *   <li>finds the factory with {@link java.util.ServiceLoader} on the test's classpath, as the
 *       runtime finds plugins (with its checks of names and duplicates);
 *   <li>builds a config {@code experiment { seed, dtype, threads } <section> { type = NAME, ... }}
 *       from {@link #with} and {@link #withHocon}, and validates it with the runtime's {@code
 *       ConfigLoader}: the settings are the plugin's {@code reference.conf} defaults with the
 *       overrides on top, and unknown keys, wrong types, fractions for {@code @int} keys and values
 *       outside {@code @range}/{@code @oneof} fail with the message a user would see;
 *   <li>opens the experiment's resources (engine, device, data type, a long-lived manager,
 *       {@code Autograd}, {@code Convolution}, the master generator from the seed) and gives the
 *       plugin the context a run gives it, whose {@link dev.meta4j.api.Rng} is split from the seed
 *       by the plugin's kind: a plugin draws the same numbers here as in a run with that seed;
 *   <li>calls the factory with the runtime's error translation: a factory that throws {@link
 *       IllegalArgumentException} for a bad setting raises {@link ConfigError}, any other failure
 *       {@link PluginError}.
 * </ul>
 *
 * <p>Everything runs on the CPU, with one intra-op thread unless {@link #threads} says otherwise.
 * A harness is a builder: each {@code with...} returns it, and each {@link #create()} makes a new,
 * independent plugin. Not thread-safe.
 *
 * @param <T> what the plugin's factory creates ({@code WeightingMethod} for a {@code WeightingFactory})
 */
public final class PluginHarness<T> {

    private final PluginKind kind;
    private final Class<T> product;
    private final String name;
    private Config settings = ConfigFactory.empty();
    private Config experiment = ConfigFactory.empty().withValue("threads", ConfigValueFactory.fromAnyRef(1, "PluginHarness (one thread)"));

    private PluginHarness(PluginKind kind, Class<T> product, String name) {
        this.kind = kind;
        this.product = product;
        this.name = name;
    }

    /**
     * A harness for the plugin of a kind with a name.
     *
     * @param kind the factory interface: {@code AlgorithmFactory}, {@code WeightingFactory},
     *     {@code DatasetFactory}, {@code BackboneFactory}, {@code OptimizerFactory} or {@code
     *     SchedulerFactory}
     * @param name the plugin's {@link PluginFactory#name()}
     * @param <T> what the factory creates
     * @return the harness
     * @throws IllegalArgumentException if {@code kind} is not one of those interfaces
     */
    public static <T> PluginHarness<T> of(Class<? extends PluginFactory<T>> kind, String name) {
        PluginKind k = Kinds.of(kind);
        @SuppressWarnings("unchecked")
        Class<T> product = (Class<T>) Kinds.product(k);
        return new PluginHarness<>(k, product, name);
    }

    /**
     * Sets one of the plugin's settings, over its default, as {@code key = value} in its config
     * section would.
     *
     * @param key a key of the plugin's section, such as {@code eps} (a dotted path for a nested key)
     * @param value a {@code Number}, {@code String}, {@code Boolean}, {@code List}, {@code Map}, or
     *     null for HOCON's {@code null}
     * @return this harness
     * @throws IllegalArgumentException for the key {@code type}, which {@link #of} sets, or a value
     *     that HOCON cannot hold
     */
    public PluginHarness<T> with(String key, Object value) {
        if (key.equals("type")) {
            throw typeIsFixed();
        }
        String origin = "PluginHarness.with(\"" + key + "\", " + (value instanceof String ? "\"" + value + "\"" : value) + ")";
        try {
            settings = settings.withValue(key, ConfigValueFactory.fromAnyRef(value, origin));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
        }
        return this;
    }

    /**
     * Sets several of the plugin's settings from HOCON text, as written inside its config section.
     *
     * @param hocon such as {@code "weights = [1, 2], eps = 0"}
     * @return this harness
     * @throws IllegalArgumentException if the text is not valid HOCON
     */
    public PluginHarness<T> withHocon(String hocon) {
        Config parsed;
        try {
            parsed = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription("PluginHarness.withHocon"));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("PluginHarness.withHocon: not valid HOCON: " + e.getMessage(), e);
        }
        if (parsed.hasPath("type")) {
            throw typeIsFixed();
        }
        settings = parsed.withFallback(settings);
        return this;
    }

    private IllegalArgumentException typeIsFixed() {
        return new IllegalArgumentException("the plugin's type is '" + name + "', set by PluginHarness.of; "
                + "make another harness for another plugin");
    }

    /**
     * The experiment's seed ({@code experiment.seed}), from which the plugin's generator is split.
     *
     * @param seed the seed; the experiment's default (0) otherwise
     * @return this harness
     */
    public PluginHarness<T> seed(long seed) {
        return experiment("seed", seed);
    }

    /**
     * The experiment's floating-point type ({@code experiment.dtype}); float64 for gradient checks.
     *
     * @param dataType {@code FLOAT32} (the default) or {@code FLOAT64}
     * @return this harness
     * @throws IllegalArgumentException for another type, which no experiment uses
     */
    public PluginHarness<T> dataType(DataType dataType) {
        if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT64) {
            throw new IllegalArgumentException("an experiment runs in float32 or float64, not " + dataType);
        }
        return experiment("dtype", dataType == DataType.FLOAT64 ? "float64" : "float32");
    }

    /**
     * The engine's intra-op threads ({@code experiment.threads}, 0 for all cores). The setting is
     * process-wide and stays after the handle is closed.
     *
     * @param threads the thread count; 1 unless set
     * @return this harness
     */
    public PluginHarness<T> threads(int threads) {
        return experiment("threads", threads);
    }

    private PluginHarness<T> experiment(String key, Object value) {
        experiment = experiment.withValue(key, ConfigValueFactory.fromAnyRef(value, "PluginHarness." + key + "(" + value + ")"));
        return this;
    }

    /**
     * Validates the settings and creates the plugin.
     *
     * @return the plugin with its context and resources, to be closed
     * @throws IllegalStateException if no factory of this kind and name is on the classpath (with
     *     what to check)
     * @throws ConfigError if a setting is invalid: its message lists every problem, as {@code meta4j
     *     validate} would
     * @throws PluginError if the plugin fails to start, or the runtime's discovery rejects it
     */
    public PluginHandle<T> create() {
        Kinds.requireRegistered(kind, name);
        Config user = ConfigFactory.empty()
                .withValue("experiment", experiment.root())
                .withValue(kind.section(), settings.withValue("type", ConfigValueFactory.fromAnyRef(name, "PluginHarness.of")).root());
        ExperimentConfig config = new ConfigLoader(Kinds.registry()).load(user, ConfigFactory.empty(), Set.of());
        PluginChoice choice = config.plugin(kind).orElseThrow();
        ExperimentResources.applyThreads(config.experiment());
        ExperimentResources resources = ExperimentResources.open(config.experiment());
        try {
            PluginContext context = resources.context(kind, choice, Kinds.registry());
            T plugin = ExperimentResources.create(Kinds.registry(), kind, choice, context, product);
            return new PluginHandle<>(plugin, context, resources);
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
    }
}
