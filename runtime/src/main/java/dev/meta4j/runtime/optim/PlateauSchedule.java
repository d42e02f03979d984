package dev.meta4j.runtime.optim;

import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.optim.Scheduler;
import dev.meta4j.api.optim.SchedulerFactory;
import dev.meta4j.api.optim.TrainingClock;

/**
 * Reduces the rate when the validation metric stops improving (PyTorch's ReduceLROnPlateau,
 * relative threshold): after {@code patience} evaluations without a relative improvement of
 * {@code threshold}, the factor is multiplied by {@code factor}.
 */
public final class PlateauSchedule implements Scheduler {

    private final double reduceBy;
    private final long patience;
    private final double threshold;
    private final double minFactor;

    private double current = 1.0;
    private double best = Double.POSITIVE_INFINITY;
    private long badEvaluations;

    PlateauSchedule(Config c) {
        this.reduceBy = c.getDouble("factor");
        this.patience = c.getLong("patience");
        this.threshold = c.getDouble("threshold");
        this.minFactor = c.getDouble("min-factor");
    }

    @Override
    public double factor(TrainingClock clock) {
        return current;
    }

    @Override
    public void observe(double score) {
        boolean improved = Double.isInfinite(best)
                ? score < best
                : score < best - threshold * Math.abs(best);
        if (improved) {
            best = score;
            badEvaluations = 0;
        } else if (++badEvaluations > patience) {
            current = Math.max(minFactor, current * reduceBy);
            badEvaluations = 0;
        }
    }

    @Override
    public void saveState(StateDict state) {
        state.putNumbers("plateau", current, best, badEvaluations);
    }

    @Override
    public void loadState(StateDict state) {
        double[] s = state.getNumbers("plateau");
        current = s[0];
        best = s[1];
        badEvaluations = (long) s[2];
    }

    /** Registers {@code plateau}. */
    @AutoService(SchedulerFactory.class)
    public static final class Factory implements SchedulerFactory {
        @Override
        public String name() {
            return "plateau";
        }

        @Override
        public String summary() {
            return "reduce the rate when the validation metric stops improving";
        }

        @Override
        public Scheduler create(PluginContext ctx) {
            return new PlateauSchedule(ctx.config());
        }
    }
}
