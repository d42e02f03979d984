package dev.meta4j.testkit;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.runtime.experiment.ExperimentResources;

/**
 * A plugin made by {@link PluginHarness#create()}, with the context it was given. Closing the
 * handle closes the experiment's manager, and with it every array the plugin and the test made in
 * it or in its sub-managers; use it in a try-with-resources block, or open it in {@code @BeforeAll}
 * and close it in {@code @AfterAll}.
 *
 * <p>A test drives the plugin the way the runtime does: per-step work in a {@link
 * #newStepManager()} that the test closes after the step, recorded work inside {@link #record()}
 * (the runtime calls a weighting method's {@code combine} there), parameter updates inside {@link
 * #pause()}.
 *
 * @param <T> the plugin's type
 */
public final class PluginHandle<T> implements AutoCloseable {

    private final T plugin;
    private final PluginContext context;
    private final ExperimentResources resources;

    PluginHandle(T plugin, PluginContext context, ExperimentResources resources) {
        this.plugin = plugin;
        this.context = context;
        this.resources = resources;
    }

    /** @return the plugin, as its factory made it */
    public T plugin() {
        return plugin;
    }

    /** @return the context the factory received: settings, generator, device, data type, manager, autograd, convolution */
    public PluginContext context() {
        return context;
    }

    /** @return the plugin's validated settings, defaults filled in ({@code context().config()}) */
    public Config config() {
        return context.config();
    }

    /** @return the plugin's generator ({@code context().rng()}), the one the runtime checkpoints */
    public Rng rng() {
        return context.rng();
    }

    /** @return the experiment's float type */
    public DataType dataType() {
        return context.dataType();
    }

    /** @return the experiment's long-lived manager, closed with this handle */
    public NDManager manager() {
        return context.manager();
    }

    /** @return the engine's autograd */
    public Autograd autograd() {
        return context.autograd();
    }

    /**
     * A fresh manager for one step's arrays, as the runtime opens one around every training step
     * and evaluation chunk; close it when the step is done.
     *
     * @return a sub-manager of {@link #manager()}
     */
    public NDManager newStepManager() {
        return context.manager().newSubManager();
    }

    /**
     * Starts recording on this thread ({@code autograd().record()}), as the runtime does around a
     * training step.
     *
     * @return the scope to close
     */
    public Autograd.Scope record() {
        return context.autograd().record();
    }

    /**
     * Stops recording on this thread ({@code autograd().pause()}), for evaluation and in-place
     * updates.
     *
     * @return the scope to close
     */
    public Autograd.Scope pause() {
        return context.autograd().pause();
    }

    /** Closes the experiment's manager and every array in it. */
    @Override
    public void close() {
        resources.close();
    }
}
