package dev.meta4j.runtime.testing;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.PluginFactory;
import dev.meta4j.api.RandomArrays;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.model.Convolution;
import dev.meta4j.runtime.engine.TorchAutograd;
import dev.meta4j.runtime.engine.TorchConvolution;
import dev.meta4j.runtime.engine.TorchEngine;
import dev.meta4j.runtime.engine.TorchRandom;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.util.List;

/**
 * Creates plugins for tests the way the runtime does: settings are the plugin's {@code
 * reference.conf} defaults with overrides on top, on the real engine (CPU), with a seeded RNG.
 */
public final class PluginTestKit implements AutoCloseable {

    private final NDManager manager;
    private final Autograd autograd;
    private final Convolution convolution;
    private final RandomArrays random;
    private final DataType dataType;
    private final Config reference;
    private final PluginRegistry registry;
    private final Rng master;

    private PluginTestKit(DataType dataType, long seed) {
        TorchEngine.get();
        TorchEngine.setThreads(1);
        this.manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        this.autograd = new TorchAutograd(manager);
        this.convolution = new TorchConvolution(manager);
        this.random = new TorchRandom(manager);
        this.dataType = dataType;
        this.registry = PluginRegistry.discover(List.of());
        this.reference = ConfigFactory.defaultReference(registry.classLoader());
        this.master = new Rng(seed);
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
        return manager;
    }

    /** @return the autograd */
    public Autograd autograd() {
        return autograd;
    }

    /** @return the random arrays that the kit's plugins get */
    public RandomArrays random() {
        return random;
    }

    /** @return the data type */
    public DataType dataType() {
        return dataType;
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
        String path = kind.defaultsPath(name);
        Config defaults = reference.hasPath(path) ? reference.getConfig(path) : ConfigFactory.empty();
        Config config = ConfigFactory.parseString(overrides).withFallback(defaults).resolve();
        Rng rng = master.split(kind.section());
        return new Context(config, rng, Device.cpu(), dataType, manager, autograd, convolution, random);
    }

    /**
     * Creates a registered plugin.
     *
     * @param kind the kind
     * @param name the name
     * @param overrides HOCON overrides of its defaults
     * @param type the expected type
     * @param <T> the type
     * @return the plugin
     */
    public <T> T create(PluginKind kind, String name, String overrides, Class<T> type) {
        PluginFactory<?> f = registry.get(kind, name);
        return type.cast(f.create(context(kind, name, overrides)));
    }

    @Override
    public void close() {
        manager.close();
    }

    private record Context(
            Config config, Rng rng, Device device, DataType dataType, NDManager manager, Autograd autograd,
            Convolution convolution, RandomArrays random)
            implements PluginContext {
        @Override
        public <T> T plugin(String key, Class<T> type) {
            throw new UnsupportedOperationException("PluginTestKit creates plugins without sub-plugins; test '"
                    + key + "' through an Experiment");
        }
    }
}
