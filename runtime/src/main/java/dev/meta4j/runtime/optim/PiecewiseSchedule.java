package dev.meta4j.runtime.optim;

import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.optim.Scheduler;
import dev.meta4j.api.optim.SchedulerFactory;
import dev.meta4j.api.optim.TrainingClock;
import java.util.List;

/**
 * A piecewise-constant factor: {@code factors[i]} from {@code boundaries[i-1]} (inclusive) to
 * {@code boundaries[i]} (exclusive), counted in steps or epochs from 0. PyTorch's {@code MultiStepLR}
 * with free factors, or a {@code LambdaLR} of intervals such as MetaOptNet's.
 */
public final class PiecewiseSchedule implements Scheduler {

    private final long[] boundaries;
    private final double[] factors;
    private final boolean epochs;

    PiecewiseSchedule(Config c) {
        List<Long> b = c.getLongList("boundaries");
        List<Double> f = c.getDoubleList("factors");
        if (f.size() != b.size() + 1) {
            throw new IllegalArgumentException("scheduler.factors must have one more entry than scheduler.boundaries ("
                    + b.size() + "), got " + f.size());
        }
        this.boundaries = new long[b.size()];
        for (int i = 0; i < boundaries.length; i++) {
            boundaries[i] = b.get(i);
            if (boundaries[i] < 1 || (i > 0 && boundaries[i] <= boundaries[i - 1])) {
                throw new IllegalArgumentException("scheduler.boundaries must be positive and increasing, got " + b);
            }
        }
        this.factors = new double[f.size()];
        for (int i = 0; i < factors.length; i++) {
            factors[i] = f.get(i);
            if (!(factors[i] > 0)) {
                throw new IllegalArgumentException("scheduler.factors must be positive, got " + f);
            }
        }
        this.epochs = c.getString("unit").equals("epochs");
    }

    @Override
    public double factor(TrainingClock clock) {
        if (epochs && clock.stepsPerEpoch() == 0) {
            throw new IllegalStateException(
                    "scheduler.unit = epochs, but this algorithm has no epochs; use unit = steps");
        }
        long t = epochs ? clock.epoch() : clock.step();
        int i = 0;
        while (i < boundaries.length && t >= boundaries[i]) {
            i++;
        }
        return factors[i];
    }

    @Override
    public void saveState(StateDict state) {}

    @Override
    public void loadState(StateDict state) {}

    /** Registers {@code piecewise}. */
    @AutoService(SchedulerFactory.class)
    public static final class Factory implements SchedulerFactory {
        @Override
        public String name() {
            return "piecewise";
        }

        @Override
        public String summary() {
            return "piecewise-constant factors between given step or epoch boundaries (MultiStepLR with free factors)";
        }

        @Override
        public Scheduler create(PluginContext ctx) {
            return new PiecewiseSchedule(ctx.config());
        }
    }
}
