package dev.meta4j.runtime.optim;

import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.optim.Scheduler;
import dev.meta4j.api.optim.SchedulerFactory;
import dev.meta4j.api.optim.TrainingClock;

/**
 * Reduces the rate when the validation metric stops improving: PyTorch 1.13's
 * ReduceLROnPlateau. An evaluation improves on the best when it beats it by {@code threshold *
 * |best|} ({@code threshold-mode = rel}) or by {@code threshold} ({@code abs}); after more than
 * {@code patience} evaluations without improvement the factor is multiplied by {@code factor}
 * (never below {@code min-factor}), and the next {@code cooldown} evaluations count no bad ones.
 *
 * <p>The runtime hands it the selection metric oriented so that lower is better ({@code -accuracy}
 * for mode max). <b>Deviation from PyTorch, for negative metrics only:</b> PyTorch's relative
 * threshold multiplies the best by {@code 1 - threshold} (min) or {@code 1 + threshold} (max), which
 * for a negative best lowers the bar below the best itself, so a slightly worse value counts as an
 * improvement. Here the margin is {@code threshold * |best|} in both directions. For positive
 * metrics (accuracies, losses) the two agree, and {@code OptimizerGoldenTest} checks that against
 * PyTorch. PyTorch also skips a reduction that would lower the (absolute) rate by less than 1e-8;
 * a factor does not know the base rate, so here the reduction happens (it matters only once the
 * rate is below about 1e-7).
 */
public final class PlateauSchedule implements Scheduler {

    private final double reduceBy;
    private final long patience;
    private final double threshold;
    private final boolean relative;
    private final long cooldown;
    private final double minFactor;

    private double current = 1.0;
    private double best = Double.POSITIVE_INFINITY;
    private long badEvaluations;
    private long cooldownLeft;

    PlateauSchedule(Config c) {
        this.reduceBy = c.getDouble("factor");
        this.patience = c.getLong("patience");
        this.threshold = c.getDouble("threshold");
        this.relative = switch (c.getString("threshold-mode")) {
            case "rel" -> true;
            case "abs" -> false;
            default -> throw new IllegalArgumentException(
                    "scheduler.threshold-mode must be rel or abs, not '" + c.getString("threshold-mode") + "'");
        };
        this.cooldown = c.getLong("cooldown");
        this.minFactor = c.getDouble("min-factor");
    }

    @Override
    public double factor(TrainingClock clock) {
        return current;
    }

    @Override
    public void observe(double score) {
        double margin = relative ? threshold * Math.abs(best) : threshold;
        boolean improved = Double.isInfinite(best) ? score < best : score < best - margin;
        if (improved) {
            best = score;
            badEvaluations = 0;
        } else {
            badEvaluations++;
        }
        if (cooldownLeft > 0) {
            cooldownLeft--;
            badEvaluations = 0;
        }
        if (badEvaluations > patience) {
            current = Math.max(minFactor, current * reduceBy);
            cooldownLeft = cooldown;
            badEvaluations = 0;
        }
    }

    @Override
    public void saveState(StateDict state) {
        state.putNumbers("plateau", current, best, badEvaluations, cooldownLeft);
    }

    @Override
    public void loadState(StateDict state) {
        double[] s = state.getNumbers("plateau");
        current = s[0];
        best = s[1];
        badEvaluations = (long) s[2];
        cooldownLeft = s.length > 3 ? (long) s[3] : 0;
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
            return "reduce the rate when the validation metric stops improving (ReduceLROnPlateau)";
        }

        @Override
        public Scheduler create(PluginContext ctx) {
            return new PlateauSchedule(ctx.config());
        }
    }
}
