package dev.meta4j.runtime.experiment;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.RandomArrays;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.model.Convolution;
import dev.meta4j.runtime.config.PluginChoice;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.util.Map;

/**
 * The {@link PluginContext} of one plugin in one experiment.
 *
 * @param slots the plugin's sub-plugin settings ({@code @plugin} slots) and their kinds
 * @param registry where sub-plugins are found
 */
record ExperimentContext(
        Config config, Rng rng, Device device, DataType dataType, NDManager manager, Autograd autograd,
        Convolution convolution, RandomArrays random, Map<String, PluginKind> slots, PluginRegistry registry)
        implements PluginContext {

    ExperimentContext {
        slots = Map.copyOf(slots);
    }

    @Override
    public <T> T plugin(String key, Class<T> type) {
        PluginKind kind = slots.get(key);
        if (kind == null) {
            throw new IllegalArgumentException("no sub-plugin setting '" + key + "'; this plugin's are "
                    + (slots.isEmpty() ? "none" : slots.keySet()) + " (declared '@plugin <kind>' in its reference.conf)");
        }
        Config sub = config.getConfig(key);
        PluginChoice choice = new PluginChoice(sub.getString("type"), sub.withoutPath("type"),
                sub.getValue("type").origin());
        // The sub-plugin shares this plugin's generator, so this plugin's checkpointed state covers its draws.
        // Sub-plugins have no slots of their own: the config loader resolves one level.
        PluginContext context = new ExperimentContext(choice.settings(), rng, device, dataType, manager, autograd,
                convolution, random, Map.of(), registry);
        return ExperimentResources.create(registry, kind, choice, context, type);
    }
}
