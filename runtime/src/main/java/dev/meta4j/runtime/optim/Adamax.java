package dev.meta4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.OptimizerFactory;

/**
 * Adamax (Kingma &amp; Ba 2015, the infinity-norm Adam), exactly {@code torch.optim.Adamax} of
 * PyTorch 1.13: {@code g += wd * w}; {@code m = b1 * m + (1 - b1) * g}; {@code u = max(b2 * u,
 * |g| + eps)}; {@code w -= lr / (1 - b1^t) * m / u}. PyTorch adds eps inside the maximum, not to
 * the denominator as the paper's Algorithm 2 would (which has none).
 */
public final class Adamax extends MomentOptimizer {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;

    Adamax(Config c, NDManager manager, Autograd autograd) {
        super(c.getDouble("lr"), autograd, new Moments(manager, "m", "u"));
        this.beta1 = c.getDouble("beta1");
        this.beta2 = c.getDouble("beta2");
        this.eps = c.getDouble("eps");
        this.weightDecay = c.getDouble("weight-decay");
    }

    @Override
    public void step(Params params, NDList grads, double learningRate) {
        params.requireTrainable("optimizer adamax");
        moments.zerosLike(params);
        long t = moments.nextStep();
        double rate = learningRate / (1 - StrictMath.pow(beta1, t));
        try (Autograd.Scope off = autograd.pause(); NDManager scratch = moments.scratch()) {
            for (int i = 0; i < params.size(); i++) {
                NDArray w = params.arrays().get(i);
                NDArray g = grads.get(i);
                if (weightDecay != 0) {
                    g = g.add(w.mul(weightDecay));
                }
                NDArray m = moments.get("m", i);
                NDArray u = moments.get("u", i);
                m.muli(beta1).addi(g.mul(1 - beta1));
                u.intern(u.mul(beta2).maximum(g.abs().addi(eps)));
                w.subi(m.div(u).muli(rate));
            }
        }
    }

    /** Registers {@code adamax}. */
    @AutoService(OptimizerFactory.class)
    public static final class Factory implements OptimizerFactory {
        @Override
        public String name() {
            return "adamax";
        }

        @Override
        public String summary() {
            return "Adamax (Kingma & Ba 2015), torch.optim.Adamax: Adam with an infinity-norm second moment";
        }

        @Override
        public Optimizer create(PluginContext ctx) {
            return new Adamax(ctx.config(), ctx.manager(), ctx.autograd());
        }
    }
}
