package dev.meta4j.runtime.optim;

import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.optim.Scheduler;
import dev.meta4j.api.optim.SchedulerFactory;
import dev.meta4j.api.optim.TrainingClock;

/**
 * Optional linear warm-up, then cosine annealing to {@code min-factor} at the last step ({@code unit
 * = steps}), or PyTorch's {@code CosineAnnealingLR(T_max = epochs, eta_min)} stepped once an epoch
 * ({@code unit = epochs}): the factor at epoch {@code e} of {@code E} is {@code min + (1 - min)(1 +
 * cos(pi e / E)) / 2}, constant within the epoch, never quite {@code min} (MAML++'s code).
 */
public final class CosineSchedule implements Scheduler {

    private final long warmup;
    private final double minFactor;
    private final boolean epochs;

    CosineSchedule(Config c) {
        this.warmup = c.getLong("warmup-steps");
        this.minFactor = c.getDouble("min-factor");
        this.epochs = c.getString("unit").equals("epochs");
        if (epochs && warmup > 0) {
            throw new IllegalArgumentException("scheduler.warmup-steps must be 0 with unit = epochs"
                    + " (PyTorch's CosineAnnealingLR has no warm-up)");
        }
    }

    @Override
    public double factor(TrainingClock clock) {
        if (epochs) {
            if (clock.stepsPerEpoch() == 0) {
                throw new IllegalStateException(
                        "scheduler.unit = epochs, but this algorithm has no epochs; use unit = steps");
            }
            double progress = (double) clock.epoch() / clock.totalEpochs();
            return minFactor + (1 - minFactor) * 0.5 * (1 + StrictMath.cos(Math.PI * progress));
        }
        long step = clock.step();
        if (step < warmup) {
            return (step + 1) / (double) warmup;
        }
        long span = Math.max(1, clock.totalSteps() - warmup);
        double progress = Math.min(1.0, (step - warmup) / (double) span);
        return minFactor + (1 - minFactor) * 0.5 * (1 + StrictMath.cos(Math.PI * progress));
    }

    @Override
    public void saveState(StateDict state) {}

    @Override
    public void loadState(StateDict state) {}

    /** Registers {@code cosine}. */
    @AutoService(SchedulerFactory.class)
    public static final class Factory implements SchedulerFactory {
        @Override
        public String name() {
            return "cosine";
        }

        @Override
        public String summary() {
            return "linear warm-up, then cosine annealing over the run";
        }

        @Override
        public Scheduler create(PluginContext ctx) {
            return new CosineSchedule(ctx.config());
        }
    }
}
