package dev.meta4j.runtime.experiment;

import com.google.gson.JsonObject;
import dev.meta4j.api.algorithm.Metrics;
import java.util.LinkedHashMap;
import java.util.Map;

/** Averages step metrics over a logging interval. */
final class MetricWindow {

    private final Map<String, double[]> sums = new LinkedHashMap<>();

    void add(Metrics m) {
        m.asMap().forEach((k, v) -> {
            double[] s = sums.computeIfAbsent(k, x -> new double[2]);
            s[0] += v;
            s[1] += 1;
        });
    }

    Metrics mean() {
        Metrics.Builder b = Metrics.builder();
        sums.forEach((k, s) -> b.put(k, s[0] / s[1]));
        return b.build();
    }

    void clear() {
        sums.clear();
    }

    Map<String, double[]> snapshot() {
        Map<String, double[]> copy = new LinkedHashMap<>();
        sums.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    void restore(JsonObject saved) {
        sums.clear();
        if (saved == null) {
            return;
        }
        saved.entrySet().forEach(e -> {
            var a = e.getValue().getAsJsonArray();
            sums.put(e.getKey(), new double[] {a.get(0).getAsDouble(), a.get(1).getAsDouble()});
        });
    }
}
