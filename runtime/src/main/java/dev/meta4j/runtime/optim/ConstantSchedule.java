package dev.meta4j.runtime.optim;

import com.google.auto.service.AutoService;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.optim.Scheduler;
import dev.meta4j.api.optim.SchedulerFactory;
import dev.meta4j.api.optim.TrainingClock;

/** The base learning rate throughout. */
public final class ConstantSchedule implements Scheduler {

    @Override
    public double factor(TrainingClock clock) {
        return 1.0;
    }

    @Override
    public void saveState(StateDict state) {}

    @Override
    public void loadState(StateDict state) {}

    /** Registers {@code constant}. */
    @AutoService(SchedulerFactory.class)
    public static final class Factory implements SchedulerFactory {
        @Override
        public String name() {
            return "constant";
        }

        @Override
        public String summary() {
            return "the base learning rate throughout";
        }

        @Override
        public Scheduler create(PluginContext ctx) {
            return new ConstantSchedule();
        }
    }
}
