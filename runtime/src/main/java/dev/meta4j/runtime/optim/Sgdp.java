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
 * SGDP (Heo et al., ICLR 2021), exactly pytorch-optimizer's {@code SGDP} (0.1.0; clovaai/AdamP's
 * rule): the buffer starts at zero and is {@code b = mu * b + (1 - dampening) * g}; the direction
 * is {@code b} or, for Nesterov, {@code g + mu * b}; for weights of two or more dimensions the
 * {@link Projection} removes its radial part where the weight is scale-invariant and scales the
 * weight decay by {@code wd-ratio}; then {@code w *= 1 - lr * wd * ratio / (1 - mu)} and {@code w
 * -= lr * direction}.
 *
 * <p>As in that code, without Nesterov the direction <em>is</em> the buffer, so the projection also
 * changes the stored momentum.
 */
public final class Sgdp extends MomentOptimizer {

    private final double momentum;
    private final double dampening;
    private final boolean nesterov;
    private final double weightDecay;
    private final Projection projection;

    Sgdp(Config c, NDManager manager, Autograd autograd) {
        super(c.getDouble("lr"), autograd, new Moments(manager, "momentum"));
        this.momentum = c.getDouble("momentum");
        this.dampening = c.getDouble("dampening");
        this.nesterov = c.getBoolean("nesterov");
        this.weightDecay = c.getDouble("weight-decay");
        this.projection = new Projection(c.getDouble("delta"), c.getDouble("wd-ratio"), c.getDouble("eps"));
    }

    @Override
    public void step(Params params, NDList grads, double learningRate) {
        params.requireTrainable("optimizer sgdp");
        moments.zerosLike(params);
        moments.nextStep();
        try (Autograd.Scope off = autograd.pause(); NDManager scratch = moments.scratch()) {
            for (int i = 0; i < params.size(); i++) {
                NDArray w = params.arrays().get(i);
                NDArray g = grads.get(i);
                NDArray b = moments.get("momentum", i);
                b.muli(momentum).addi(dampening == 0 ? g : g.mul(1 - dampening));
                NDArray direction = nesterov ? g.add(b.mul(momentum)) : b;
                double ratio = projection.apply(w, g, direction);
                if (weightDecay != 0) {
                    w.muli(1 - learningRate * weightDecay * ratio / (1 - momentum));
                }
                w.subi(direction.mul(learningRate));
            }
        }
    }

    /** Registers {@code sgdp}. */
    @AutoService(OptimizerFactory.class)
    public static final class Factory implements OptimizerFactory {
        @Override
        public String name() {
            return "sgdp";
        }

        @Override
        public String summary() {
            return "SGDP (Heo et al. 2021): SGD that projects out the radial step of scale-invariant weights";
        }

        @Override
        public Optimizer create(PluginContext ctx) {
            return new Sgdp(ctx.config(), ctx.manager(), ctx.autograd());
        }
    }
}
