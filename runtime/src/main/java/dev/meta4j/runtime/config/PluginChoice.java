package dev.meta4j.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigOrigin;
import dev.meta4j.runtime.plugin.PluginKind;
import java.util.Map;

/**
 * The plugin a config section selects.
 *
 * @param name the plugin's name (the section's {@code type})
 * @param settings the section merged over the plugin's defaults, without {@code type}
 * @param origin where {@code type} was written (or the defaults, for an implied type)
 * @param slots the plugin's sub-plugin settings (declared {@code @plugin <kind>}) and their kinds;
 *     each is resolved in {@code settings}, with its {@code type}
 */
public record PluginChoice(String name, Config settings, ConfigOrigin origin, Map<String, PluginKind> slots) {

    /** Copies the map. */
    public PluginChoice {
        slots = Map.copyOf(slots);
    }

    /**
     * A choice without sub-plugins.
     *
     * @param name the plugin's name
     * @param settings its settings
     * @param origin where its type was written
     */
    public PluginChoice(String name, Config settings, ConfigOrigin origin) {
        this(name, settings, origin, Map.of());
    }
}
