package dev.meta4j.runtime.testing;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.RandomArrays;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.runtime.config.PluginChoice;
import dev.meta4j.runtime.engine.TorchEngine;
import dev.meta4j.runtime.experiment.ExperimentResources;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.util.List;
import java.util.Map;

/**
 * Creates plugins for tests the way the runtime does: settings are the plugin's {@code
 * reference.conf} defaults with overrides on top, on the real engine (CPU), with a seeded RNG.
 * The resources and contexts are the runtime's own ({@link ExperimentResources}); only the
 * validation of the settings is left out, so that tests may reach settings a config could not.
 */
public final class PluginTestKit implements AutoCloseable {

    private final ExperimentResources resources;
    private final Config reference;
    private final PluginRegistry registry;

    private PluginTestKit(DataType dataType, long seed) {
        TorchEngine.get();
        TorchEngine.setThreads(1);
        this.resources = ExperimentResources.open(ConfigFactory.parseMap(Map.of(
                "device", "cpu", "dtype", dataType == DataType.FLOAT64 ? "float64" : "float32", "seed", seed)));
        this.registry = PluginRegistry.discover(List.of());
        this.reference = ConfigFactory.defaultReference(registry.classLoader());
    }

    /**
     * Opens a kit.
     *
     * @param dataType float32 or float64
     * @param seed the master seed
     * @return the kit, to be closed
     */
    public static PluginTestKit open(DataType dataType, long seed) {
        return new PluginTestKit(dataType, seed);
    }

    /** @return the kit's long-lived manager */
    public NDManager manager() {
        return resources.manager();
    }

    /** @return the autograd */
    public Autograd autograd() {
        return resources.autograd();
    }

    /** @return the random arrays that the kit's plugins get */
    public RandomArrays random() {
        return resources.random();
    }

    /** @return the data type */
    public DataType dataType() {
        return resources.dataType();
    }

    /**
     * A context for a plugin: defaults merged under the given HOCON overrides.
     *
     * @param kind the plugin's kind
     * @param name the plugin's name
     * @param overrides HOCON text, such as {@code "inner-steps = 3"}
     * @return the context
     */
    public PluginContext context(PluginKind kind, String name, String overrides) {
        return resources.context(kind, choice(kind, name, overrides), registry);
    }

    private PluginChoice choice(PluginKind kind, String name, String overrides) {
        String path = kind.defaultsPath(name);
        Config defaults = reference.hasPath(path) ? reference.getConfig(path) : ConfigFactory.empty();
        Config config = ConfigFactory.parseString(overrides).withFallback(defaults).resolve();
        return new PluginChoice(name, config, config.origin());
    }

    /**
     * Creates a registered plugin. Its exceptions reach the test as the plugin throws them (no
     * translation into config errors), so tests can assert on them.
     *
     * @param kind the kind
     * @param name the name
     * @param overrides HOCON overrides of its defaults
     * @param type the expected type
     * @param <T> the type
     * @return the plugin
     */
    public <T> T create(PluginKind kind, String name, String overrides, Class<T> type) {
        return type.cast(registry.get(kind, name).create(context(kind, name, overrides)));
    }

    @Override
    public void close() {
        resources.close();
    }
}
