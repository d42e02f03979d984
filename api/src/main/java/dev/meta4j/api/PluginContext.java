package dev.meta4j.api;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.model.Convolution;

/** What a plugin receives when it is created: its settings and the experiment's resources. */
public interface PluginContext {

    /**
     * The plugin's section of the configuration, merged over its defaults and validated; the
     * {@code type} key is removed. Values keep their origin (file and line) for error messages.
     *
     * @return the resolved settings
     */
    Config config();

    /**
     * A random generator seeded from the experiment's seed and the plugin's kind, so that every
     * random choice of a plugin is reproducible and independent of the other plugins' draws.
     *
     * @return the plugin's generator
     */
    Rng rng();

    /**
     * The device that arrays of this experiment live on.
     *
     * @return the device
     */
    Device device();

    /**
     * The floating-point type of parameters and inputs ({@code float32} unless the experiment
     * asks for {@code float64}).
     *
     * @return the data type
     */
    DataType dataType();

    /**
     * A manager that lives as long as the experiment, for arrays the plugin keeps between steps
     * (parameters, optimizer state). Per-step work belongs in the step's own sub-manager.
     *
     * @return the long-lived manager
     */
    NDManager manager();

    /**
     * Gradients, including higher-order ones.
     *
     * @return the engine's autograd
     */
    Autograd autograd();

    /**
     * Convolution through a kernel that computes it correctly on this machine; backbones use it
     * instead of the engine's operator (see {@link Convolution} for why).
     *
     * @return the engine's convolution
     */
    Convolution convolution();

    /**
     * Random arrays drawn on the device, each call seeded from the {@link Rng} it is given (the
     * plugin's own, {@link #rng()}, or a split of it), so that random tensors are as reproducible
     * and resumable as the plugin's other draws.
     *
     * @return the engine's random arrays
     */
    RandomArrays random();
}
