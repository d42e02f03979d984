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
 * notation, {@code inf} for infinity) or {@code @oneof a, b, c}, and a line {@code @int} makes a
 * number key take whole numbers only. Every key needs such a comment ({@code meta4j describe}
 * prints it), and a plugin without settings still writes an empty section ({@code name {}}).
 *
 * <p>A key's type is its default's type, never how the default is written: HOCON reads {@code
 * 0.0} as the integer 0, so only {@code @int} makes a key integral. A {@code null} default takes
 * any value unless {@code @int} or {@code @range} says it is a number; it is the way to write an
 * optional key, and the plugin then sees {@code config().hasPath(key) == false} (see {@link
 * PluginContext#config()}).
 *
 * <p>{@code meta4j-testkit} creates a plugin in a test exactly as the runtime does ({@code
 * PluginHarness.of(WeightingFactory.class, "name").with("key", value).create()}) and checks that
 * it is discoverable and described ({@code PluginChecks.assertDiscoverable}).
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
     * against the plugin's defaults, and also by {@code meta4j validate}, which creates every
     * plugin and trains nothing: keep creation cheap and free of side effects outside the
     * context's manager, and check here whatever validation cannot (relations between keys).
     *
     * @param context the plugin's resolved settings and the experiment's resources
     * @return a new plugin instance
     * @throws IllegalArgumentException for a setting the plugin rejects; the runtime reports it
     *     as a configuration error naming the plugin's section
     */
    T create(PluginContext context);
}
