package dev.meta4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
 * Stochastic gradient descent with PyTorch's semantics: {@code g += wd * w}; with momentum
 * {@code b = mu * b + g} and the step is {@code b} (or {@code g + mu * b} for Nesterov).
 */
public final class Sgd implements Optimizer {

    private final double lr;
    private final double momentum;
    private final boolean nesterov;
    private final double weightDecay;
    private final NDManager manager;
    private final Autograd autograd;
    private List<NDArray> buffers;

    Sgd(Config c, NDManager manager, Autograd autograd) {
        this.lr = c.getDouble("lr");
        this.momentum = c.getDouble("momentum");
        this.nesterov = c.getBoolean("nesterov");
        this.weightDecay = c.getDouble("weight-decay");
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("optimizer.nesterov = true needs optimizer.momentum > 0");
        }
        this.manager = manager;
        this.autograd = autograd;
    }

    @Override
    public double baseLearningRate() {
        return lr;
    }

    @Override
    public void step(Params params, NDList grads, double learningRate) {
        params.requireTrainable("optimizer sgd");
        try (Autograd.Scope off = autograd.pause()) {
            for (int i = 0; i < params.size(); i++) {
                NDArray w = params.arrays().get(i);
                NDArray g = grads.get(i);
                if (weightDecay != 0) {
                    g = g.add(w.mul(weightDecay));
                }
                if (momentum != 0) {
                    if (buffers == null) {
                        buffers = new ArrayList<>();
                    }
                    if (buffers.size() <= i) {
                        NDArray b = g.duplicate();
                        b.attach(manager);
                        buffers.add(b);
                    } else {
                        buffers.get(i).muli(momentum).addi(g);
                    }
                    g = nesterov ? g.add(buffers.get(i).mul(momentum)) : buffers.get(i);
                }
                w.subi(g.mul(learningRate));
            }
        }
    }

    @Override
    public void saveState(StateDict state) {
        if (buffers != null) {
            for (int i = 0; i < buffers.size(); i++) {
                state.putArray("momentum/" + i, buffers.get(i));
            }
        }
    }

    @Override
    public void loadState(StateDict state) {
        // the replaced buffers are this optimizer's own; closed, so that repeated loads do not
        // accumulate in the experiment's manager
        if (buffers != null) {
            buffers.forEach(NDArray::close);
        }
        if (!state.contains("momentum/0")) {
            buffers = null;
            return;
        }
        buffers = new ArrayList<>();
        for (int i = 0; state.contains("momentum/" + i); i++) {
            NDArray b = state.getArray("momentum/" + i).duplicate();
            b.attach(manager);
            buffers.add(b);
        }
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
            return "stochastic gradient descent, optional (Nesterov) momentum and weight decay";
        }

        @Override
        public Optimizer create(PluginContext ctx) {
            return new Sgd(ctx.config(), ctx.manager(), ctx.autograd());
        }
    }
}
