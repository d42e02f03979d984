package dev.meta4j.runtime.optim;

import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.optim.Scheduler;
import dev.meta4j.api.optim.SchedulerFactory;
import dev.meta4j.api.optim.TrainingClock;

/** Multiplies the rate by {@code gamma} every {@code step-size} steps or epochs (PyTorch's StepLR). */
public final class StepSchedule implements Scheduler {

    private final long stepSize;
    private final double gamma;
    private final boolean epochs;

    StepSchedule(Config c) {
        this.stepSize = c.getLong("step-size");
        this.gamma = c.getDouble("gamma");
        this.epochs = c.getString("unit").equals("epochs");
    }

    @Override
    public double factor(TrainingClock clock) {
        if (epochs && clock.stepsPerEpoch() == 0) {
            throw new IllegalStateException(
                    "scheduler.unit = epochs, but this algorithm has no epochs; use unit = steps");
        }
        long t = epochs ? clock.epoch() : clock.step();
        return StrictMath.pow(gamma, t / stepSize);
    }

    @Override
    public void saveState(StateDict state) {}

    @Override
    public void loadState(StateDict state) {}

    /** Registers {@code step}. */
    @AutoService(SchedulerFactory.class)
    public static final class Factory implements SchedulerFactory {
        @Override
        public String name() {
            return "step";
        }

        @Override
        public String summary() {
            return "decay by gamma every step-size steps or epochs";
        }

        @Override
        public Scheduler create(PluginContext ctx) {
            return new StepSchedule(ctx.config());
        }
    }
}
