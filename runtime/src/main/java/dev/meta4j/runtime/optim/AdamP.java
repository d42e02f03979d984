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
 * AdamP (Heo et al., ICLR 2021), exactly pytorch-optimizer's {@code AdamP} (0.1.0; clovaai/AdamP's
 * rule): Adam's moments and denominator {@code sqrt(v) / sqrt(1 - b2^t) + eps}; the direction
 * {@code m / denom}, or for Nesterov {@code (b1 * m + (1 - b1) * g) / denom}; for weights of two
 * or more dimensions the {@link Projection} removes its radial part where the weight is
 * scale-invariant and scales the weight decay by {@code wd-ratio}; then {@code w *= 1 - lr * wd *
 * ratio} and {@code w -= lr / (1 - b1^t) * direction}.
 */
public final class AdamP extends MomentOptimizer {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean nesterov;
    private final Projection projection;

    AdamP(Config c, NDManager manager, Autograd autograd) {
        super(c.getDouble("lr"), autograd, new Moments(manager, "m", "v"));
        this.beta1 = c.getDouble("beta1");
        this.beta2 = c.getDouble("beta2");
        this.eps = c.getDouble("eps");
        this.weightDecay = c.getDouble("weight-decay");
        this.nesterov = c.getBoolean("nesterov");
        this.projection = new Projection(c.getDouble("delta"), c.getDouble("wd-ratio"), eps);
    }

    @Override
    public void step(Params params, NDList grads, double learningRate) {
        params.requireTrainable("optimizer adamp");
        moments.zerosLike(params);
        long t = moments.nextStep();
        double bc1 = 1 - StrictMath.pow(beta1, t);
        double sqrtBc2 = Math.sqrt(1 - StrictMath.pow(beta2, t));
        try (Autograd.Scope off = autograd.pause(); NDManager scratch = moments.scratch()) {
            for (int i = 0; i < params.size(); i++) {
                NDArray w = params.arrays().get(i);
                NDArray g = grads.get(i);
                NDArray m = moments.get("m", i);
                NDArray v = moments.get("v", i);
                m.muli(beta1).addi(g.mul(1 - beta1));
                v.muli(beta2).addi(g.mul(g).muli(1 - beta2));
                NDArray denom = v.sqrt().divi(sqrtBc2).addi(eps);
                NDArray direction = nesterov
                        ? m.mul(beta1).addi(g.mul(1 - beta1)).divi(denom)
                        : m.div(denom);
                double ratio = projection.apply(w, g, direction);
                if (weightDecay > 0) {
                    w.muli(1 - learningRate * weightDecay * ratio);
                }
                w.subi(direction.muli(learningRate / bc1));
            }
        }
    }

    /** Registers {@code adamp}. */
    @AutoService(OptimizerFactory.class)
    public static final class Factory implements OptimizerFactory {
        @Override
        public String name() {
            return "adamp";
        }

        @Override
        public String summary() {
            return "AdamP (Heo et al. 2021): Adam that projects out the radial step of scale-invariant weights";
        }

        @Override
        public Optimizer create(PluginContext ctx) {
            return new AdamP(ctx.config(), ctx.manager(), ctx.autograd());
        }
    }
}
