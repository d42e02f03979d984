package dev.meta4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
import java.util.ArrayList;
import java.util.List;

/**
 * Adam (Kingma &amp; Ba 2015) with exactly PyTorch's update: {@code w -= lr / (1 - b1^t) * m /
 * (sqrt(v) / sqrt(1 - b2^t) + eps)}, L2 {@code weight-decay} added to the gradient, or decoupled
 * (AdamW).
 *
 * <p>Each parameter is updated by one fused native call (DJL's {@code adamUpdate}) instead of a
 * dozen tensor ops. That kernel adds eps to the uncorrected {@code sqrt(v)}; passing {@code lr *
 * sqrt(1 - b2^t) / (1 - b1^t)} as its rate and {@code eps * sqrt(1 - b2^t)} as its eps gives
 * PyTorch's formula exactly.
 */
public final class Adam implements Optimizer {

    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;
    private final NDManager manager;
    private final Autograd autograd;

    private List<NDArray> mean;
    private List<NDArray> variance;
    private long t;

    Adam(Config c, NDManager manager, Autograd autograd) {
        this.lr = c.getDouble("lr");
        this.beta1 = c.getDouble("beta1");
        this.beta2 = c.getDouble("beta2");
        this.eps = c.getDouble("eps");
        this.weightDecay = c.getDouble("weight-decay");
        this.decoupled = c.getBoolean("decoupled");
        this.manager = manager;
        this.autograd = autograd;
    }

    @Override
    public double baseLearningRate() {
        return lr;
    }

    @Override
    public void step(Params params, NDList grads, double learningRate) {
        params.requireTrainable("optimizer adam");
        if (mean == null) {
            mean = zerosLike(params);
            variance = zerosLike(params);
        }
        t++;
        double bc1 = 1 - StrictMath.pow(beta1, t);
        double sqrtBc2 = Math.sqrt(1 - StrictMath.pow(beta2, t));
        float rate = (float) (learningRate * sqrtBc2 / bc1);
        float epsHat = (float) (eps * sqrtBc2);
        try (Autograd.Scope off = autograd.pause()) {
            for (int i = 0; i < params.size(); i++) {
                JniUtils.adamUpdate(
                        (PtNDArray) params.arrays().get(i),
                        (PtNDArray) grads.get(i),
                        (PtNDArray) mean.get(i),
                        (PtNDArray) variance.get(i),
                        (float) learningRate,
                        rate,
                        (float) weightDecay,
                        1f,
                        -1f,
                        (float) beta1,
                        (float) beta2,
                        epsHat,
                        decoupled);
            }
        }
    }

    private List<NDArray> zerosLike(Params params) {
        List<NDArray> out = new ArrayList<>(params.size());
        for (NDArray p : params.arrays()) {
            out.add(manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
        }
        return out;
    }

    @Override
    public void saveState(StateDict state) {
        state.putLong("t", t);
        if (mean != null) {
            for (int i = 0; i < mean.size(); i++) {
                state.putArray("m/" + i, mean.get(i));
                state.putArray("v/" + i, variance.get(i));
            }
        }
    }

    @Override
    public void loadState(StateDict state) {
        // The replaced moments are this optimizer's own: closed here, or every load (Reptile
        // restores its inner optimizer after each evaluation episode) would keep a copy alive
        // in the experiment's manager until the run ends.
        close(mean);
        close(variance);
        t = state.getLong("t");
        if (!state.contains("m/0")) {
            mean = null;
            variance = null;
            return;
        }
        mean = new ArrayList<>();
        variance = new ArrayList<>();
        for (int i = 0; state.contains("m/" + i); i++) {
            mean.add(copy(state.getArray("m/" + i)));
            variance.add(copy(state.getArray("v/" + i)));
        }
    }

    private static void close(List<NDArray> arrays) {
        if (arrays != null) {
            arrays.forEach(NDArray::close);
        }
    }

    private NDArray copy(NDArray a) {
        NDArray c = a.duplicate();
        c.attach(manager);
        return c;
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
            return "Adam (Kingma & Ba 2015), PyTorch's update; L2 or decoupled (AdamW) weight decay";
        }

        @Override
        public Optimizer create(PluginContext ctx) {
            return new Adam(ctx.config(), ctx.manager(), ctx.autograd());
        }
    }
}
