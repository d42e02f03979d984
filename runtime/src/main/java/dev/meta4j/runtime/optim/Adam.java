package dev.meta4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.OptimizerFactory;

/**
 * Adam (Kingma &amp; Ba 2015) with exactly PyTorch 1.13's update ({@code torch.optim.Adam}, and
 * {@code torch.optim.AdamW} when decoupled): {@code w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 -
 * b2^t) + eps)}, L2 {@code weight-decay} added to the gradient, or decoupled ({@code w *= 1 - lr *
 * wd} first); with {@code amsgrad} the denominator uses the running maximum of {@code v}.
 *
 * <p>float32 parameters without amsgrad are updated by one fused native call per parameter (DJL's
 * {@code adamUpdate}) instead of about ten tensor ops. That kernel adds eps to the uncorrected
 * {@code sqrt(v)}, and it takes its numbers as floats and forms {@code 1 - b1} and {@code 1 - b2} in
 * float: for b2 = 0.999 the weight of {@code g^2} becomes 1 - 0.999f = 0.00099998713 where PyTorch
 * uses 0.001f (1.3e-5 relative). Measured on {@code OptimizerGoldenTest}'s objective, calling it
 * the plain way moved a float32 Adam trajectory 7.3e-4 (relative) from PyTorch's float64 one,
 * against 1.3e-5 for the same rule in separate float32 ops. The moments' recursions are linear, so
 * the kernel's moments are PyTorch's times constant factors ({@code (1 - b1f) / float(1 - b1)}
 * and the same for b2); the kernel keeps them in its units, and its rate and eps absorb the
 * factors, which gives PyTorch's float32 rule. {@link #saveState} marks moments in kernel units
 * ({@code adam-kernel-units}), so a resumed run continues bit for bit; moments without the mark
 * (PyTorch's units) are converted when the kernel will use them. float64 and amsgrad take the
 * exact path of separate in-place ops in the parameter's type.
 */
public final class Adam extends MomentOptimizer {

    private final String name;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;
    private final boolean amsgrad;
    /** PyTorch's first and second moment over the fused kernel's, or 0 where the kernel cannot be used. */
    private final double kernelScaleM;
    private final double kernelScaleV;

    Adam(String name, Config c, boolean decoupled, NDManager manager, Autograd autograd) {
        super(c.getDouble("lr"), autograd, c.getBoolean("amsgrad")
                ? new Moments(manager, "m", "v", "vmax") : new Moments(manager, "m", "v"));
        this.name = name;
        this.beta1 = c.getDouble("beta1");
        this.beta2 = c.getDouble("beta2");
        this.eps = c.getDouble("eps");
        this.weightDecay = c.getDouble("weight-decay");
        this.decoupled = decoupled;
        this.amsgrad = c.getBoolean("amsgrad");
        double kernelM = 1f - (float) beta1;
        double kernelV = 1f - (float) beta2;
        boolean usable = !amsgrad && kernelM > 0 && kernelV > 0;
        this.kernelScaleM = usable ? (float) (1 - beta1) / kernelM : 0;
        this.kernelScaleV = usable ? (float) (1 - beta2) / kernelV : 0;
    }

    /** Whether the fused kernel updates parameters of this type. */
    private boolean fused(DataType type) {
        return kernelScaleM > 0 && type == DataType.FLOAT32;
    }

    @Override
    public void step(Params params, NDList grads, double learningRate) {
        params.requireTrainable("optimizer " + name);
        moments.zerosLike(params);
        long t = moments.nextStep();
        double bc1 = 1 - StrictMath.pow(beta1, t);
        double sqrtBc2 = Math.sqrt(1 - StrictMath.pow(beta2, t));
        double sqrtScaleV = Math.sqrt(kernelScaleV);
        try (Autograd.Scope off = autograd.pause(); NDManager scratch = moments.scratch()) {
            for (int i = 0; i < params.size(); i++) {
                NDArray w = params.arrays().get(i);
                NDArray g = grads.get(i);
                NDArray m = moments.get("m", i);
                NDArray v = moments.get("v", i);
                if (fused(w.getDataType())) {
                    JniUtils.adamUpdate((PtNDArray) w, (PtNDArray) g, (PtNDArray) m, (PtNDArray) v,
                            (float) learningRate,
                            (float) (learningRate * sqrtBc2 / bc1 * kernelScaleM / sqrtScaleV),
                            (float) weightDecay, 1f, -1f, (float) beta1, (float) beta2,
                            (float) (eps * sqrtBc2 / sqrtScaleV), decoupled);
                    continue;
                }
                if (weightDecay != 0) {
                    if (decoupled) {
                        w.muli(1 - learningRate * weightDecay);
                    } else {
                        g = g.add(w.mul(weightDecay));
                    }
                }
                m.muli(beta1).addi(g.mul(1 - beta1));
                v.muli(beta2).addi(g.mul(g).muli(1 - beta2));
                NDArray second = v;
                if (amsgrad) {
                    NDArray vmax = moments.get("vmax", i);
                    vmax.intern(vmax.maximum(v));
                    second = vmax;
                }
                NDArray denom = second.sqrt().divi(sqrtBc2).addi(eps);
                w.subi(m.div(denom).muli(learningRate / bc1));
            }
        }
    }

    @Override
    public void saveState(StateDict state) {
        super.saveState(state);
        if (moments.get("m", 0) != null && fused(moments.get("m", 0).getDataType())) {
            state.putNumbers("adam-kernel-units", kernelScaleM, kernelScaleV);
        }
    }

    @Override
    public void loadState(StateDict state) {
        super.loadState(state);
        NDArray m0 = moments.get("m", 0);
        if (m0 == null) {
            return;
        }
        boolean kernelUnits = state.contains("adam-kernel-units");
        if (kernelUnits != fused(m0.getDataType())) {
            double[] scale = kernelUnits ? state.getNumbers("adam-kernel-units") : new double[] {kernelScaleM, kernelScaleV};
            double toM = kernelUnits ? scale[0] : 1 / scale[0];
            double toV = kernelUnits ? scale[1] : 1 / scale[1];
            for (int i = 0; moments.get("m", i) != null; i++) {
                moments.get("m", i).muli(toM);
                moments.get("v", i).muli(toV);
            }
        }
    }

    /** Registers {@code adam}. */
    @AutoService(OptimizerFactory.class)
    public static final class Factory implements OptimizerFactory {
        @Override
        public String name() {
            return "adam";
        }

        @Override
        public String summary() {
            return "Adam (Kingma & Ba 2015), torch.optim.Adam's update; amsgrad; L2 or decoupled (AdamW) weight decay";
        }

        @Override
        public Optimizer create(PluginContext ctx) {
            Config c = ctx.config();
            return new Adam("adam", c, c.getBoolean("decoupled"), ctx.manager(), ctx.autograd());
        }
    }
}
