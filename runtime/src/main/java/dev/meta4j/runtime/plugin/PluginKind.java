package dev.meta4j.runtime.plugin;

import dev.meta4j.api.PluginFactory;
import dev.meta4j.api.algorithm.AlgorithmFactory;
import dev.meta4j.api.data.DatasetFactory;
import dev.meta4j.api.model.BackboneFactory;
import dev.meta4j.api.optim.OptimizerFactory;
import dev.meta4j.api.optim.SchedulerFactory;
import dev.meta4j.api.weighting.WeightingFactory;

/**
 * The kinds of plugin, each with its config section, its defaults path in {@code reference.conf}
 * and its factory interface.
 */
public enum PluginKind {
    ALGORITHM("algorithm", "algorithm", AlgorithmFactory.class),
    WEIGHTING("weighting", "weighting", WeightingFactory.class),
    DATASET("dataset", "dataset", DatasetFactory.class),
    MODEL("model", "model", BackboneFactory.class),
    OPTIMIZER("optimizer", "optimizer", OptimizerFactory.class),
    SCHEDULER("scheduler", "scheduler", SchedulerFactory.class);

    private final String section;
    private final String defaultsKey;
    private final Class<? extends PluginFactory<?>> factoryType;

    PluginKind(String section, String defaultsKey, Class<? extends PluginFactory<?>> factoryType) {
        this.section = section;
        this.defaultsKey = defaultsKey;
        this.factoryType = factoryType;
    }

    /**
     * The config section that selects a plugin of this kind ({@code weighting { type = famo }}).
     *
     * @return the section name
     */
    public String section() {
        return section;
    }

    /**
     * Where a plugin's defaults live: {@code meta4j.<kind>.<name>}.
     *
     * @param name the plugin's name
     * @return the config path
     */
    public String defaultsPath(String name) {
        return "meta4j." + defaultsKey + ".\"" + name + "\"";
    }

    /**
     * The factory interface that {@link java.util.ServiceLoader} looks up.
     *
     * @return the interface
     */
    public Class<? extends PluginFactory<?>> factoryType() {
        return factoryType;
    }

    /**
     * The kind whose section has a name.
     *
     * @param section a section name
     * @return the kind, or null
     */
    public static PluginKind forSection(String section) {
        for (PluginKind k : values()) {
            if (k.section.equals(section)) {
                return k;
            }
        }
        return null;
    }
}
