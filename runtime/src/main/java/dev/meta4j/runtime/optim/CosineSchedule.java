package dev.meta4j.runtime.optim;

import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.optim.Scheduler;
import dev.meta4j.api.optim.SchedulerFactory;
import dev.meta4j.api.optim.TrainingClock;

/** Optional linear warm-up, then cosine annealing to {@code min-factor} at the last step. */
public final class CosineSchedule implements Scheduler {

    private final long warmup;
    private final double minFactor;

    CosineSchedule(Config c) {
        this.warmup = c.getLong("warmup-steps");
        this.minFactor = c.getDouble("min-factor");
    }

    @Override
    public double factor(TrainingClock clock) {
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
