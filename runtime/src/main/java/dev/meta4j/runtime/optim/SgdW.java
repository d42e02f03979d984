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
 * SGD with decoupled weight decay (SGDW, Loshchilov &amp; Hutter, ICLR 2019), the momentum of
 * pytorch-optimizer's {@code SGDW} (the buffer starts as the first gradient, then {@code mu * b +
 * (1 - dampening) * g}; Nesterov {@code g + mu * b}), with no weight decay in the gradient.
 *
 * <p><b>Deviation from pytorch-optimizer (0.1.0 to 0.3.0), following the paper:</b> that code
 * decays with {@code p.data.add_(weight_decay, alpha=-lr)}, which subtracts the constant {@code lr
 * * wd} from every weight instead of shrinking it. The default here ({@code decay = proportional})
 * is the paper's {@code w -= lr * wd * w}, applied to the weight before the step as AdamW does;
 * {@code decay = constant} reproduces the code exactly, for runs that must match it
 * (AI-secure/multi-task-learning uses it with weight decay 0 by default, where both agree).
 */
public final class SgdW extends MomentOptimizer {

    private final double momentum;
    private final double dampening;
    private final boolean nesterov;
    private final double weightDecay;
    private final boolean constantDecay;

    SgdW(Config c, NDManager manager, Autograd autograd) {
        super(c.getDouble("lr"), autograd, new Moments(manager, "momentum"));
        this.momentum = c.getDouble("momentum");
        this.dampening = c.getDouble("dampening");
        this.nesterov = c.getBoolean("nesterov");
        this.weightDecay = c.getDouble("weight-decay");
        this.constantDecay = switch (c.getString("decay")) {
            case "proportional" -> false;
            case "constant" -> true;
            default -> throw new IllegalArgumentException(
                    "optimizer.decay must be proportional or constant, not '" + c.getString("decay") + "'");
        };
        Sgd.requireNesterovMomentum(nesterov, momentum, dampening);
    }

    @Override
    public void step(Params params, NDList grads, double learningRate) {
        params.requireTrainable("optimizer sgdw");
        moments.nextStep();
        try (Autograd.Scope off = autograd.pause(); NDManager scratch = moments.scratch()) {
            for (int i = 0; i < params.size(); i++) {
                NDArray w = params.arrays().get(i);
                NDArray g = grads.get(i);
                if (momentum != 0) {
                    g = Sgd.momentumStep(moments, i, g, momentum, dampening, nesterov);
                }
                if (weightDecay != 0 && !constantDecay) {
                    w.muli(1 - learningRate * weightDecay);
                }
                w.subi(g.mul(learningRate));
                if (weightDecay != 0 && constantDecay) {
                    w.subi(learningRate * weightDecay);
                }
            }
        }
    }

    /** Registers {@code sgdw}. */
    @AutoService(OptimizerFactory.class)
    public static final class Factory implements OptimizerFactory {
        @Override
        public String name() {
            return "sgdw";
        }

        @Override
        public String summary() {
            return "SGD with decoupled weight decay (Loshchilov & Hutter), pytorch-optimizer's momentum";
        }

        @Override
        public Optimizer create(PluginContext ctx) {
            return new SgdW(ctx.config(), ctx.manager(), ctx.autograd());
        }
    }
}
