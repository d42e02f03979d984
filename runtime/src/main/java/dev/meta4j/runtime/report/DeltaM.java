package dev.meta4j.runtime.report;

import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.data.SingleTaskBaselines;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A run's relative change against single-task baselines, in the two forms the literature uses.
 *
 * <p><b>Δm%</b> (Maninis et al. 2019; the FAMO, Nash-MTL and CAGrad papers and their {@code
 * delta_fn}): the mean over all metrics of {@code (-1)^{higher-is-better} (M - B) / B · 100};
 * lower is better, and a task with more metrics weighs more (NYUv2's normals: 5 of 9).
 *
 * <p><b>LibMTL's Δp</b> ({@code count_improvement}): per task {@code Δp_t = (1 / M_t) Σ_m
 * (-1)^{higher-is-better} (B - M) / B · 100}, the mean over that task's metrics, and overall the
 * mean over tasks; higher is better. {@code Δp = -Δm} exactly when every task has the same
 * number of metrics; otherwise the two weigh metrics differently and are not comparable.
 */
public final class DeltaM {

    private DeltaM() {}

    /**
     * One metric's term of Δm%: {@code (-1)^{higher-is-better} (value - baseline) / baseline ·
     * 100}, negative when the value is better than the baseline.
     *
     * @param value the run's value
     * @param baseline the baseline's value
     * @param higherIsBetter the metric's direction
     * @return the term in percent
     */
    public static double term(double value, double baseline, boolean higherIsBetter) {
        double relative = (value - baseline) / baseline * 100;
        return higherIsBetter ? -relative : relative;
    }

    /**
     * Δm% of metrics against baselines, over every baselined metric.
     *
     * @param metrics the run's metrics, keyed as the baselines ({@code task/metric}), with
     *     directions
     * @param baselines the baselines
     * @return Δm%, or empty when a baselined metric or its direction is missing
     */
    public static OptionalDouble percent(Metrics metrics, SingleTaskBaselines baselines) {
        Map<String, List<Double>> terms = terms(metrics, baselines);
        if (terms == null) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(terms.values().stream().flatMap(List::stream).mapToDouble(Double::doubleValue)
                .average().orElseThrow());
    }

    /**
     * LibMTL's Δp: each task's, then their mean under {@code "mean"}.
     *
     * @param metrics the run's metrics, with directions
     * @param baselines the baselines
     * @return task name (and {@code mean}) to Δp in percent, in the baselines' order; empty when
     *     a baselined metric or its direction is missing
     */
    public static Map<String, Double> libMtlDeltaP(Metrics metrics, SingleTaskBaselines baselines) {
        Map<String, List<Double>> terms = terms(metrics, baselines);
        Map<String, Double> out = new LinkedHashMap<>();
        if (terms == null) {
            return out;
        }
        double sum = 0;
        for (Map.Entry<String, List<Double>> e : terms.entrySet()) {
            double p = -e.getValue().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            out.put(e.getKey(), p);
            sum += p;
        }
        out.put("mean", sum / terms.size());
        return out;
    }

    /** Each task's Δm terms, in the baselines' order, or null when one cannot be computed. */
    private static Map<String, List<Double>> terms(Metrics metrics, SingleTaskBaselines baselines) {
        Map<String, List<Double>> byTask = new LinkedHashMap<>();
        for (Map.Entry<String, Double> b : baselines.values().entrySet()) {
            OptionalDouble value = metrics.get(b.getKey());
            java.util.Optional<Direction> direction = metrics.direction(b.getKey());
            if (value.isEmpty() || direction.isEmpty()) {
                return null;
            }
            byTask.computeIfAbsent(SingleTaskBaselines.task(b.getKey()), k -> new java.util.ArrayList<>())
                    .add(term(value.getAsDouble(), b.getValue(), direction.get().higherIsBetter()));
        }
        return byTask;
    }
}
