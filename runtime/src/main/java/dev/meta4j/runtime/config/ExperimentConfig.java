package dev.meta4j.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import dev.meta4j.runtime.plugin.PluginKind;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** A validated experiment configuration: the experiment settings and one plugin per section. */
public final class ExperimentConfig {

    private final Config experiment;
    private final Map<PluginKind, PluginChoice> plugins;
    private final Config user;
    private final ConfigOrigin source;

    ExperimentConfig(Config experiment, Map<PluginKind, PluginChoice> plugins, Config user, ConfigOrigin source) {
        this.experiment = experiment;
        this.plugins = new EnumMap<>(plugins);
        this.user = user;
        this.source = source;
    }

    /**
     * Where the config file came from, for problems that belong to no key (a missing section).
     *
     * @return the origin of the file's root
     */
    public ConfigOrigin source() {
        return source;
    }

    /**
     * The {@code experiment} section merged over its defaults.
     *
     * @return the settings
     */
    public Config experiment() {
        return experiment;
    }

    /**
     * The plugin a section selects.
     *
     * @param kind the section's kind
     * @return the choice, or empty if the section is absent and has no default
     */
    public Optional<PluginChoice> plugin(PluginKind kind) {
        return Optional.ofNullable(plugins.get(kind));
    }

    /**
     * The user's config as written (with includes and overrides applied, substitutions resolved),
     * before defaults: what a suite varies.
     *
     * @return the config
     */
    public Config user() {
        return user;
    }

    /**
     * The fully resolved configuration: every section with all of its plugin's defaults filled in.
     * Saved with each run, so that a run can be repeated from it alone.
     *
     * @return the config
     */
    public Config resolved() {
        Config c = ConfigFactory.empty().withValue("experiment", experiment.root());
        for (var e : plugins.entrySet()) {
            Config section = e.getValue().settings().withValue("type", ConfigValueFactory.fromAnyRef(e.getValue().name()));
            c = c.withValue(e.getKey().section(), section.root());
        }
        return c;
    }

    /**
     * The resolved configuration as HOCON text, with the defaults' comments.
     *
     * @return the text
     */
    public String render() {
        return resolved()
                .root()
                .render(ConfigRenderOptions.defaults().setOriginComments(false).setComments(true).setJson(false));
    }
}
