package dev.meta4j.api;

/**
 * A named factory of one plugin kind, found by {@link java.util.ServiceLoader}.
 *
 * <p>Each plugin kind has one sub-interface (for example {@link
 * dev.meta4j.api.weighting.WeightingFactory}); an implementation is a public class with a public
 * no-argument constructor, registered for that sub-interface (with Google AutoService's
 * {@code @AutoService(WeightingFactory.class)} or a {@code META-INF/services} file). Its defaults
 * live in the jar's {@code reference.conf} under {@code meta4j.<kind>.<name>}; the comment above
 * each default documents the key and may constrain it with {@code @range [0, 1]} (interval
 * notation, {@code inf} for infinity) or {@code @oneof a, b, c}.
 *
 * @param <T> what the factory creates
 */
public interface PluginFactory<T> {

    /**
     * The plugin's name, unique within its kind, lower case, as written in configs: {@code famo},
     * {@code maml}, {@code resnet12}.
     *
     * @return the stable name
     */
    String name();

    /**
     * One line for {@code meta4j list}.
     *
     * @return a short summary
     */
    String summary();

    /**
     * Creates the plugin. Called once per experiment, after the configuration was validated
     * against the plugin's defaults.
     *
     * @param context the plugin's resolved settings and the experiment's resources
     * @return a new plugin instance
     */
    T create(PluginContext context);
}
