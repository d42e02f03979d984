package dev.meta4j.algorithms;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.RandomArrays;
import dev.meta4j.api.Rng;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.model.Convolution;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;

/**
 * Creates a plugin with {@code @plugin} slots through {@link PluginTestKit}, whose contexts have
 * none: the slot's section becomes a plugin of its {@code type}, created by the kit from that
 * section's other keys over the type's defaults (the config loader's merge; as the kit, without
 * validation).
 */
final class SubPluginKit {

    private SubPluginKit() {
    }

    /**
     * Reptile with its inner optimizer.
     *
     * @param kit the kit
     * @param overrides HOCON overrides of reptile's defaults
     * @return the algorithm
     */
    static Algorithm reptile(PluginTestKit kit, String overrides) {
        return reptile(kit, kit.context(PluginKind.ALGORITHM, "reptile", overrides));
    }

    /**
     * Reptile from a context the caller keeps (to reach its generator).
     *
     * @param kit the kit
     * @param ctx a context of {@code kit.context(PluginKind.ALGORITHM, "reptile", ...)}
     * @return the algorithm
     */
    static Algorithm reptile(PluginTestKit kit, PluginContext ctx) {
        return new Reptile.Factory().create(withSlot(kit, ctx, "inner-optimizer", PluginKind.OPTIMIZER));
    }

    /**
     * mtl with its tune-all optimizer.
     *
     * @param kit the kit
     * @param overrides HOCON overrides of mtl's defaults
     * @return the algorithm
     */
    static Algorithm mtl(PluginTestKit kit, String overrides) {
        return new Mtl.Factory().create(withSlot(kit, kit.context(PluginKind.ALGORITHM, "mtl", overrides),
                "tune-all-optimizer", PluginKind.OPTIMIZER));
    }

    private static PluginContext withSlot(PluginTestKit kit, PluginContext ctx, String slot, PluginKind kind) {
        return new PluginContext() {
            @Override
            public Config config() {
                return ctx.config();
            }

            @Override
            public Rng rng() {
                return ctx.rng();
            }

            @Override
            public Device device() {
                return ctx.device();
            }

            @Override
            public DataType dataType() {
                return ctx.dataType();
            }

            @Override
            public NDManager manager() {
                return ctx.manager();
            }

            @Override
            public Autograd autograd() {
                return ctx.autograd();
            }

            @Override
            public Convolution convolution() {
                return ctx.convolution();
            }

            @Override
            public RandomArrays random() {
                return ctx.random();
            }

            @Override
            public <T> T plugin(String key, Class<T> type) {
                if (!key.equals(slot)) {
                    throw new IllegalArgumentException("no sub-plugin setting '" + key + "'");
                }
                Config section = ctx.config().getConfig(key);
                String settings = section.withoutPath("type").root().render(ConfigRenderOptions.concise());
                String body = settings.substring(1, settings.length() - 1);
                return kit.create(kind, section.getString("type"), body, type);
            }
        };
    }
}
