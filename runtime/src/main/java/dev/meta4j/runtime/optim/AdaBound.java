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
 * AdaBound (Luo et al., ICLR 2019), exactly pytorch-optimizer's {@code AdaBound} (0.1.0, from
 * Luolc/AdaBound): {@code g += wd * w}; Adam's moments; the per-element rate {@code lr * sqrt(1 -
 * b2^t) / (1 - b1^t) / (sqrt(v) + eps)} is clipped to {@code [f (1 - 1 / (gamma t + 1)), f (1 + 1
 * / (gamma t))]} and multiplies {@code m}. {@code f} is {@code final-lr} times the schedule's
 * factor (the step's rate over the base rate), as the code scales it by {@code lr / base_lr}.
 * With {@code amsbound} the running maximum of {@code v} replaces {@code v}.
 */
public final class AdaBound extends MomentOptimizer {

    private final double beta1;
    private final double beta2;
    private final double finalLr;
    private final double gamma;
    private final double eps;
    private final double weightDecay;
    private final boolean amsbound;

    AdaBound(Config c, NDManager manager, Autograd autograd) {
        super(c.getDouble("lr"), autograd, c.getBoolean("amsbound")
                ? new Moments(manager, "m", "v", "vmax") : new Moments(manager, "m", "v"));
        this.beta1 = c.getDouble("beta1");
        this.beta2 = c.getDouble("beta2");
        this.finalLr = c.getDouble("final-lr");
        this.gamma = c.getDouble("gamma");
        this.eps = c.getDouble("eps");
        this.weightDecay = c.getDouble("weight-decay");
        this.amsbound = c.getBoolean("amsbound");
    }

    @Override
    public void step(Params params, NDList grads, double learningRate) {
        params.requireTrainable("optimizer adabound");
        moments.zerosLike(params);
        long t = moments.nextStep();
        double rate = learningRate * Math.sqrt(1 - StrictMath.pow(beta2, t)) / (1 - StrictMath.pow(beta1, t));
        double f = finalLr * learningRate / baseLearningRate();
        double lower = f * (1 - 1 / (gamma * t + 1));
        double upper = f * (1 + 1 / (gamma * t));
        try (Autograd.Scope off = autograd.pause(); NDManager scratch = moments.scratch()) {
            for (int i = 0; i < params.size(); i++) {
                NDArray w = params.arrays().get(i);
                NDArray g = grads.get(i);
                if (weightDecay != 0) {
                    g = g.add(w.mul(weightDecay));
                }
                NDArray m = moments.get("m", i);
                NDArray v = moments.get("v", i);
                m.muli(beta1).addi(g.mul(1 - beta1));
                v.muli(beta2).addi(g.mul(g).muli(1 - beta2));
                NDArray second = v;
                if (amsbound) {
                    NDArray vmax = moments.get("vmax", i);
                    vmax.intern(vmax.maximum(v));
                    second = vmax;
                }
                NDArray denom = second.sqrt().addi(eps);
                NDArray step = denom.getNDArrayInternal().rdiv(rate).clip(lower, upper).muli(m);
                w.subi(step);
            }
        }
    }

    /** Registers {@code adabound}. */
    @AutoService(OptimizerFactory.class)
    public static final class Factory implements OptimizerFactory {
        @Override
        public String name() {
            return "adabound";
        }

        @Override
        public String summary() {
            return "AdaBound (Luo et al. 2019): Adam whose per-weight rate is clipped to bounds that close on final-lr";
        }

        @Override
        public Optimizer create(PluginContext ctx) {
            return new AdaBound(ctx.config(), ctx.manager(), ctx.autograd());
        }
    }
}
