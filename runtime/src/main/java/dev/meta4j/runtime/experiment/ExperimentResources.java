package dev.meta4j.runtime.experiment;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.PluginFactory;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.RandomArrays;
import dev.meta4j.api.model.Convolution;
import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.runtime.config.ConfigError.Problem;
import dev.meta4j.runtime.config.PluginChoice;
import dev.meta4j.runtime.engine.TorchAutograd;
import dev.meta4j.runtime.engine.TorchConvolution;
import dev.meta4j.runtime.engine.TorchRandom;
import dev.meta4j.runtime.engine.TorchEngine;
import dev.meta4j.runtime.plugin.PluginError;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;

/**
 * What an experiment shares with its plugins, and how it creates each one: the device, data type,
 * long-lived manager, autograd, convolution, random arrays and master generator read from a validated {@code
 * experiment} section, the {@link PluginContext} of each plugin, and the call of its factory with
 * the runtime's error translation.
 *
 * <p>{@link Experiment} creates its plugins through this class, and so does {@code
 * meta4j-testkit}, so that a plugin under test gets exactly what a run gives it. Closing it closes
 * the manager and with it every array of every plugin created here.
 */
public final class ExperimentResources implements AutoCloseable {

    private final Device device;
    private final DataType dataType;
    private final NDManager manager;
    private final Autograd autograd;
    private final Convolution convolution;
    private final RandomArrays random;
    private final Rng master;

    private ExperimentResources(Device device, DataType dataType, NDManager manager, Rng master) {
        this.device = device;
        this.dataType = dataType;
        this.manager = manager;
        this.autograd = new TorchAutograd(manager);
        this.convolution = new TorchConvolution(manager);
        this.random = new TorchRandom(manager);
        this.master = master;
    }

    /**
     * Loads the engine and opens the resources of an experiment.
     *
     * @param experiment the validated {@code experiment} section (its {@code device}, {@code
     *     dtype} and {@code seed} are read)
     * @return the resources, to be closed
     * @throws ConfigError if the device does not exist on this machine or build
     */
    public static ExperimentResources open(Config experiment) {
        return open(experiment, new Rng(experiment.getLong("seed")));
    }

    /**
     * Opens the resources of an experiment whose plugins draw from a given master generator
     * instead of one seeded by {@code experiment.seed}: for studies that run many small
     * experiments from one seed, each from its own split of it.
     *
     * @param experiment the validated {@code experiment} section ({@code device} and {@code dtype}
     *     are read)
     * @param master the generator each plugin's is split from, by its kind
     * @return the resources, to be closed
     * @throws ConfigError if the device does not exist on this machine or build
     */
    public static ExperimentResources open(Config experiment, Rng master) {
        TorchEngine.get();
        Device device;
        try {
            device = TorchEngine.device(experiment.getString("device"));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(Problem.at(experiment.getValue("device").origin(), "experiment.device", e.getMessage()));
        }
        DataType dataType = experiment.getString("dtype").equals("float64") ? DataType.FLOAT64 : DataType.FLOAT32;
        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            return new ExperimentResources(device, dataType, manager, master);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Sets the engine's intra-op threads to {@code experiment.threads} (0: all cores). The setting
     * is process-wide.
     *
     * @param experiment the validated {@code experiment} section
     */
    public static void applyThreads(Config experiment) {
        int threads = experiment.getInt("threads");
        TorchEngine.setThreads(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
    }

    /**
     * The context of one plugin: its settings, and a generator split from the experiment's seed
     * by the plugin's kind, so that each kind draws an independent stream.
     *
     * @param kind the plugin's kind
     * @param choice the plugin, its validated settings and its sub-plugin slots
     * @param registry where its sub-plugins ({@link PluginContext#plugin}) are found
     * @return the context
     */
    public PluginContext context(PluginKind kind, PluginChoice choice, PluginRegistry registry) {
        return new ExperimentContext(choice.settings(), master.split(kind.section()), device, dataType, manager, autograd,
                convolution, random, choice.slots(), registry);
    }

    /**
     * Calls a plugin's factory. A rejected setting ({@link IllegalArgumentException} or a Typesafe
     * {@code ConfigException} from the factory) becomes a {@link ConfigError} that names the
     * section, and any other failure a {@link PluginError} that names the factory and its jar.
     *
     * @param registry the plugins
     * @param kind the plugin's kind
     * @param choice the selected plugin and its settings
     * @param context the plugin's context ({@link #context})
     * @param type what the plugin must be
     * @param <T> that type
     * @return the plugin
     * @throws ConfigError if the plugin rejects its settings
     * @throws PluginError if it fails otherwise or makes something that is not a {@code type}
     */
    public static <T> T create(PluginRegistry registry, PluginKind kind, PluginChoice choice, PluginContext context,
            Class<T> type) {
        PluginFactory<?> factory = registry.get(kind, choice.name());
        Object made;
        try {
            made = factory.create(context);
        } catch (ConfigError | PluginError e) {
            throw e;
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigError(Problem.at(e.origin(), kind.section(), e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(Problem.at(choice.origin(), kind.section() + " '" + choice.name() + "'", e.getMessage()));
        } catch (RuntimeException e) {
            throw new PluginError(kind.section() + " plugin '" + choice.name() + "' failed to start: " + e.getMessage()
                    + " [" + PluginRegistry.describe(factory) + "]", e);
        }
        if (!type.isInstance(made)) {
            throw new PluginError(kind.section() + " plugin '" + choice.name() + "' made a "
                    + (made == null ? "null" : made.getClass().getName()) + ", not a " + type.getSimpleName()
                    + " [" + PluginRegistry.describe(factory) + "]");
        }
        return type.cast(made);
    }

    /** @return the device arrays live on */
    public Device device() {
        return device;
    }

    /** @return float32, or float64 when the experiment asks for it */
    public DataType dataType() {
        return dataType;
    }

    /** @return the long-lived manager, closed by {@link #close()} */
    public NDManager manager() {
        return manager;
    }

    /** @return the engine's autograd, shared by all plugins */
    public Autograd autograd() {
        return autograd;
    }

    /** @return the engine's seeded random arrays, shared by all plugins */
    public RandomArrays random() {
        return random;
    }

    /** @return the engine's convolution, shared by all plugins */
    public Convolution convolution() {
        return convolution;
    }

    @Override
    public void close() {
        manager.close();
    }
}
