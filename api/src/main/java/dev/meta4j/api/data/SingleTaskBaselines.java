package dev.meta4j.api.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Published single-task (STL) results of a benchmark, against which Δm% and LibMTL's Δp compare a
 * run's test metrics. Values are keyed as the run's metrics are ({@code semantic/miou}, {@code
 * depth/abs-error}) and in the units those metrics report; which way each metric improves is the
 * run's own {@link dev.meta4j.api.algorithm.Direction}, never stated here.
 *
 * @param source where the numbers come from (repository, file and commit, or paper and table)
 * @param values the baseline of each metric, in the order the papers list them
 */
public record SingleTaskBaselines(String source, Map<String, Double> values) {

    /** Validates and copies the fields. */
    public SingleTaskBaselines {
        Objects.requireNonNull(source, "baselines need a source");
        if (values.isEmpty()) {
            throw new IllegalArgumentException("baselines from " + source + " have no values");
        }
        values.forEach((k, v) -> {
            if (k.indexOf('/') <= 0 || !(v != 0 && Double.isFinite(v))) {
                throw new IllegalArgumentException("baseline '" + k + "' = " + v + " from " + source
                        + ": a key is task/metric and a value a finite nonzero number (Δm divides by it)");
            }
        });
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /**
     * The task of a key.
     *
     * @param key {@code task/metric}
     * @return {@code task}
     */
    public static String task(String key) {
        return key.substring(0, key.indexOf('/'));
    }

    /**
     * These baselines restricted to some tasks, for a view of the dataset through a subset of them.
     *
     * @param tasks the task names to keep
     * @return the restricted baselines, or null if none is left
     */
    public SingleTaskBaselines restrictedTo(java.util.Collection<String> tasks) {
        Map<String, Double> kept = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (tasks.contains(task(k))) {
                kept.put(k, v);
            }
        });
        return kept.isEmpty() ? null : new SingleTaskBaselines(source, kept);
    }
}
