package dev.meta4j.api;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.model.Convolution;

/**
 * What a plugin receives when it is created: its settings and the experiment's resources.
 *
 * <p>One context per plugin, for the whole experiment: the runtime creates every plugin of a
 * config once, before training, and a resumed run creates them again from the same config before
 * it restores their state. {@code meta4j-testkit}'s {@code PluginHarness} builds a context the
 * same way, for tests.
 */
public interface PluginContext {

    /**
     * The plugin's section of the configuration, merged over its defaults and validated; the
     * {@code type} key is removed. Values keep their origin (file and line) for error messages.
     *
     * <p>Every key of the plugin's {@code reference.conf} section is there, so a plugin reads its
     * keys without fallbacks, with one exception: a key whose default (or configured value) is
     * {@code null} is absent to Typesafe Config, so {@code config().hasPath(key)} is false and
     * {@code getInt(key)} throws. Read such an optional key as {@code hasPath(key) ? getInt(key) :
     * null}. Validation has already checked the type and {@code @range}/{@code @oneof} of every
     * value given; what it cannot check (relations between keys, the length of a list against the
     * task count) the plugin checks and reports with an {@link IllegalArgumentException}, which
     * the runtime shows as a configuration error naming the section.
     *
     * @return the resolved settings
     */
    Config config();

    /**
     * A random generator seeded from the experiment's seed and the plugin's kind, so that every
     * random choice of a plugin is reproducible and independent of the other plugins' draws.
     *
     * <p>The runtime saves this generator's {@link Rng#state()} in every checkpoint and restores
     * it on resume, so a resumed run draws exactly the numbers of an uninterrupted one only if the
     * plugin draws from this very generator during training. A child made once with {@link
     * Rng#split} and kept in a field is not checkpointed: draw from {@code rng()} itself, split a
     * fresh child from it at each use, or save the child's state in the plugin's own {@code
     * saveState}. A {@code java.util.Random} or {@code Math.random()} breaks both reproducibility
     * and resume. Splits made once at creation or in {@code init} (initial weights) are fine,
     * because creation and {@code init} run again before a resume restores the state.
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
     * <p>An array that an optimizer is to train (a model's parameters, a weighting method's own
     * parameters) must be created here and marked with {@code setRequiresGradient(true)} once,
     * when it is created: without it, the operations on it are not recorded and the algorithm's
     * {@link Autograd#grad} call fails (PyTorch: "One of the differentiated Tensors does not
     * require grad").
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
     * Creates a further plugin that this one is composed of, such as Reptile's inner optimizer
     * or a sub-backbone, from a sub-section of this plugin's settings.
     *
     * <p>The sub-section is declared in the plugin's {@code reference.conf} as a section with a
     * {@code type}, whose comment says which kind it holds, for example:
     *
     * <pre>
     * # The inner loop's optimizer: Adam with beta1 = 0, as the paper.
     * # &#64;plugin optimizer
     * inner-optimizer { type = adam, beta1 = 0 }
     * </pre>
     *
     * The runtime validates the sub-section against the defaults of the plugin its {@code type}
     * names, like any section (so {@code validate} reports its errors, and switching its type
     * drops the old type's settings), and {@code describe} shows it. The sub-plugin shares this
     * plugin's generator, device, data type, manager and engine services; its state is this
     * plugin's to save: a {@link Stateful} sub-plugin is checkpointed only if this plugin's own
     * {@code saveState} includes it. Composition is one level deep: a sub-plugin's own {@code
     * plugin} calls find no slots.
     *
     * @param key the sub-section's key in this plugin's settings
     * @param type what the sub-plugin must be, such as {@code Optimizer.class}
     * @param <T> the type
     * @return a new sub-plugin
     * @throws IllegalArgumentException if no {@code @plugin} setting has that key
     * @throws RuntimeException as for any plugin the runtime creates: a setting the sub-plugin
     *     rejects, or a plugin that is not a {@code type}, is reported naming the plugin and
     *     where its {@code type} was written
     */
    <T> T plugin(String key, Class<T> type);

    /**
     * Random arrays drawn on the device, each call seeded from the {@link Rng} it is given (the
     * plugin's own, {@link #rng()}, or a split of it), so that random tensors are as reproducible
     * and resumable as the plugin's other draws.
     *
     * @return the engine's random arrays
     */
    RandomArrays random();
}
