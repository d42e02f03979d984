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
 * Rectified Adam (Liu et al., ICLR 2020). With {@code rho_inf = 2 / (1 - b2) - 1} and {@code rho_t
 * = rho_inf - 2 t b2^t / (1 - b2^t)}, a rectified step {@code w -= lr * r_t * sqrt(1 - b2^t) / (1
 * - b1^t) * m / (sqrt(v) + eps)}, with {@code r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf /
 * ((rho_inf - 4)(rho_inf - 2) rho_t))}, once the variance is tractable; before that the
 * un-rectified step is SGD with (bias-corrected) momentum, {@code w -= lr / (1 - b1^t) * m}.
 *
 * <p>Two codes differ, and {@code variant} picks one:
 *
 * <ul>
 *   <li>{@code pytorch-optimizer} (default): pytorch-optimizer's {@code RAdam} (0.1.0, from
 *       LiyuanLucasLiu/RAdam), which AI-secure/multi-task-learning (Wang, Zhao &amp; Li, ICML
 *       2021) uses as its default optimizer: rectified when {@code rho_t >= 5}; weight decay
 *       decoupled, {@code w -= lr * wd * w} before the step. That code computes in float32
 *       whatever the parameter's type ({@code p.data.float()}); here the update runs in the
 *       parameter's type.
 *   <li>{@code torch}: {@code torch.optim.RAdam} of PyTorch 1.13: rectified when {@code rho_t >
 *       5}; weight decay as L2, {@code g += wd * w}.
 * </ul>
 *
 * Both add eps to the uncorrected {@code sqrt(v)} (Adam adds it after the bias correction).
 */
public final class RAdam extends MomentOptimizer {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean torch;

    RAdam(Config c, NDManager manager, Autograd autograd) {
        super(c.getDouble("lr"), autograd, new Moments(manager, "m", "v"));
        this.beta1 = c.getDouble("beta1");
        this.beta2 = c.getDouble("beta2");
        this.eps = c.getDouble("eps");
        this.weightDecay = c.getDouble("weight-decay");
        this.torch = switch (c.getString("variant")) {
            case "pytorch-optimizer" -> false;
            case "torch" -> true;
            default -> throw new IllegalArgumentException(
                    "optimizer.variant must be pytorch-optimizer or torch, not '" + c.getString("variant") + "'");
        };
    }

    @Override
    public void step(Params params, NDList grads, double learningRate) {
        params.requireTrainable("optimizer radam");
        moments.zerosLike(params);
        long t = moments.nextStep();
        double bc1 = 1 - StrictMath.pow(beta1, t);
        double beta2t = StrictMath.pow(beta2, t);
        double bc2 = 1 - beta2t;
        double rhoInf = 2 / (1 - beta2) - 1;
        double rho = rhoInf - 2 * t * beta2t / bc2;
        boolean rectified = torch ? rho > 5 : rho >= 5;
        double rate = rectified
                ? learningRate * Math.sqrt(bc2 * (rho - 4) / (rhoInf - 4) * (rho - 2) / rho * rhoInf / (rhoInf - 2)) / bc1
                : learningRate / bc1;
        try (Autograd.Scope off = autograd.pause(); NDManager scratch = moments.scratch()) {
            for (int i = 0; i < params.size(); i++) {
                NDArray w = params.arrays().get(i);
                NDArray g = grads.get(i);
                if (weightDecay != 0 && torch) {
                    g = g.add(w.mul(weightDecay));
                }
                NDArray m = moments.get("m", i);
                NDArray v = moments.get("v", i);
                v.muli(beta2).addi(g.mul(g).muli(1 - beta2));
                m.muli(beta1).addi(g.mul(1 - beta1));
                if (weightDecay != 0 && !torch) {
                    w.muli(1 - weightDecay * learningRate);
                }
                if (rectified) {
                    w.subi(m.div(v.sqrt().addi(eps)).muli(rate));
                } else {
                    w.subi(m.mul(rate));
                }
            }
        }
    }

    /** Registers {@code radam}. */
    @AutoService(OptimizerFactory.class)
    public static final class Factory implements OptimizerFactory {
        @Override
        public String name() {
            return "radam";
        }

        @Override
        public String summary() {
            return "Rectified Adam (Liu et al. 2020), pytorch-optimizer's (default) or torch.optim.RAdam's variant";
        }

        @Override
        public Optimizer create(PluginContext ctx) {
            return new RAdam(ctx.config(), ctx.manager(), ctx.autograd());
        }
    }
}
