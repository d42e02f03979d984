package dev.meta4j.runtime.optim;

import com.google.auto.service.AutoService;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.OptimizerFactory;

/**
 * AdamW (Loshchilov &amp; Hutter, ICLR 2019) as {@code torch.optim.AdamW} of PyTorch 1.13: {@link
 * Adam} with decoupled weight decay always on and PyTorch's AdamW defaults (weight decay 0.01).
 * The same as {@code adam} with {@code decoupled = true} and that weight decay.
 */
public final class AdamW {

    private AdamW() {}

    /** Registers {@code adamw}. */
    @AutoService(OptimizerFactory.class)
    public static final class Factory implements OptimizerFactory {
        @Override
        public String name() {
            return "adamw";
        }

        @Override
        public String summary() {
            return "AdamW (Loshchilov & Hutter 2019), torch.optim.AdamW: Adam with decoupled weight decay 0.01";
        }

        @Override
        public Optimizer create(PluginContext ctx) {
            return new Adam("adamw", ctx.config(), true, ctx.manager(), ctx.autograd());
        }
    }
}
