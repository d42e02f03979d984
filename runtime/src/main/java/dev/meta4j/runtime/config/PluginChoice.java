package dev.meta4j.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigOrigin;

/**
 * The plugin a config section selects.
 *
 * @param name the plugin's name (the section's {@code type})
 * @param settings the section merged over the plugin's defaults, without {@code type}
 * @param origin where {@code type} was written (or the defaults, for an implied type)
 */
public record PluginChoice(String name, Config settings, ConfigOrigin origin) {}
