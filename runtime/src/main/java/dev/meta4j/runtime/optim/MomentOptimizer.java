package dev.meta4j.runtime.optim;

import dev.meta4j.api.StateDict;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.optim.Optimizer;

/**
 * What every built-in optimizer shares: its base rate, the autograd it pauses while updating in
 * place, and its {@link Moments}, which are its whole checkpointed state unless it says more
 * (Adam's kernel units). Each subclass is one update rule.
 */
abstract class MomentOptimizer implements Optimizer {

    private final double lr;
    protected final Autograd autograd;
    protected final Moments moments;

    MomentOptimizer(double lr, Autograd autograd, Moments moments) {
        this.lr = lr;
        this.autograd = autograd;
        this.moments = moments;
    }

    @Override
    public final double baseLearningRate() {
        return lr;
    }

    @Override
    public void saveState(StateDict state) {
        moments.save(state);
    }

    @Override
    public void loadState(StateDict state) {
        moments.load(state);
    }
}
