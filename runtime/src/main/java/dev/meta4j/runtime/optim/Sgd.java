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
 * Stochastic gradient descent, exactly {@code torch.optim.SGD} of PyTorch 1.13: {@code g += wd *
 * w}; with momentum the buffer starts as the first {@code g} and then is {@code b = mu * b + (1 -
 * dampening) * g}; the step is {@code b}, or {@code g + mu * b} for Nesterov.
 */
public final class Sgd extends MomentOptimizer {

    private final double momentum;
    private final double dampening;
    private final boolean nesterov;
    private final double weightDecay;

    Sgd(Config c, NDManager manager, Autograd autograd) {
        super(c.getDouble("lr"), autograd, new Moments(manager, "momentum"));
        this.momentum = c.getDouble("momentum");
        this.dampening = c.getDouble("dampening");
        this.nesterov = c.getBoolean("nesterov");
        this.weightDecay = c.getDouble("weight-decay");
        requireNesterovMomentum(nesterov, momentum, dampening);
    }

    /** PyTorch's rule, shared with sgdw: Nesterov momentum needs momentum and no dampening. */
    static void requireNesterovMomentum(boolean nesterov, double momentum, double dampening) {
        if (nesterov && (momentum == 0 || dampening != 0)) {
            throw new IllegalArgumentException(
                    "optimizer.nesterov = true needs optimizer.momentum > 0 and optimizer.dampening = 0");
        }
    }

    @Override
    public void step(Params params, NDList grads, double learningRate) {
        params.requireTrainable("optimizer sgd");
        moments.nextStep();
        try (Autograd.Scope off = autograd.pause(); NDManager scratch = moments.scratch()) {
            for (int i = 0; i < params.size(); i++) {
                NDArray w = params.arrays().get(i);
                NDArray g = grads.get(i);
                if (weightDecay != 0) {
                    g = g.add(w.mul(weightDecay));
                }
                if (momentum != 0) {
                    g = momentumStep(moments, i, g, momentum, dampening, nesterov);
                }
                w.subi(g.mul(learningRate));
            }
        }
    }

    /**
     * PyTorch's momentum buffer (sgd and sgdw): the first gradient, then {@code mu * b + (1 -
     * dampening) * g}; returns the direction, {@code b} or {@code g + mu * b}.
     */
    static NDArray momentumStep(Moments moments, int i, NDArray g, double momentum, double dampening, boolean nesterov) {
        NDArray b = moments.get("momentum", i);
        if (b == null) {
            moments.put("momentum", i, g);
            b = moments.get("momentum", i);
        } else {
            b.muli(momentum).addi(dampening == 0 ? g : g.mul(1 - dampening));
        }
        return nesterov ? g.add(b.mul(momentum)) : b;
    }

    /** Registers {@code sgd}. */
    @AutoService(OptimizerFactory.class)
    public static final class Factory implements OptimizerFactory {
        @Override
        public String name() {
            return "sgd";
        }

        @Override
        public String summary() {
            return "stochastic gradient descent (torch.optim.SGD): momentum, dampening, Nesterov, L2 weight decay";
        }

        @Override
        public Optimizer create(PluginContext ctx) {
            return new Sgd(ctx.config(), ctx.manager(), ctx.autograd());
        }
    }
}
