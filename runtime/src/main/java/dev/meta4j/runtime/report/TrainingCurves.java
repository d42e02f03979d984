package dev.meta4j.runtime.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.meta4j.api.algorithm.Figure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The training-curves figure of a run, built from its {@code metrics.jsonl} lines. */
public final class TrainingCurves {

    private TrainingCurves() {}

    /**
     * Panels: training losses, validation metrics, the task weights a weighting method logged
     * ({@code weight/<task>}), and the learning rate, each against the step. A learning rate that
     * never changes gets no panel of its own (it would be a flat line taking a column); its value
     * goes into the training panel's title instead.
     *
     * @param lines the metrics lines
     * @return the figure
     */
    public static Figure of(List<JsonObject> lines) {
        List<Figure.Series> lr = series(lines, "train", "lr"::equals);
        boolean constantLr = lr.size() == 1 && java.util.Arrays.stream(lr.get(0).y()).distinct().count() == 1;
        String training = constantLr ? "training (lr " + lr.get(0).y()[0] + " throughout)" : "training";
        List<Figure.Panel> panels = new ArrayList<>();
        panels.add(new Figure.Panel(training, "step", "loss", series(lines, "train", k -> k.startsWith("loss"))));
        panels.add(new Figure.Panel("validation", "step", "metric",
                series(lines, "validation", k -> !k.endsWith("-ci95"))));
        panels.add(new Figure.Panel("task weights", "step", "weight", series(lines, "train", k -> k.startsWith("weight/"))));
        if (!constantLr) {
            panels.add(new Figure.Panel("learning rate", "step", "lr", lr));
        }
        panels.removeIf(p -> p.series().isEmpty());
        return new Figure("training-curves", panels, panels.size());
    }

    private static List<Figure.Series> series(List<JsonObject> lines, String split, java.util.function.Predicate<String> keep) {
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        for (JsonObject o : lines) {
            if (!split.equals(o.get("split").getAsString())) {
                continue;
            }
            double step = o.get("step").getAsDouble();
            for (Map.Entry<String, JsonElement> e : o.entrySet()) {
                String k = e.getKey();
                if (k.equals("step") || k.equals("split") || !keep.test(k) || !e.getValue().isJsonPrimitive()
                        || !e.getValue().getAsJsonPrimitive().isNumber()) {
                    continue;
                }
                double v = e.getValue().getAsDouble();
                if (Double.isFinite(v)) {
                    points.computeIfAbsent(k, x -> new ArrayList<>()).add(new double[] {step, v});
                }
            }
        }
        List<Figure.Series> out = new ArrayList<>();
        points.forEach((k, pts) -> {
            double[] x = new double[pts.size()];
            double[] y = new double[pts.size()];
            for (int i = 0; i < pts.size(); i++) {
                x[i] = pts.get(i)[0];
                y[i] = pts.get(i)[1];
            }
            out.add(new Figure.Series(k, x, y, pts.size() == 1));
        });
        return out;
    }
}
