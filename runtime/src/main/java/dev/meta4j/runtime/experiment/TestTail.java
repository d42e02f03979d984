package dev.meta4j.runtime.experiment;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The test evaluations at the run's last {@code experiment.test-last} validation points, and the
 * mean of each test metric over them: "the mean of the last 10 epochs" that the FAMO, Nash-MTL and
 * CAGrad tables report (their READMEs say so; their trainers test every epoch but do not compute
 * it). Validations happen every {@code eval-every} steps (or {@code eval-every-epochs} epochs)
 * and at the last step, so with one validation per epoch these are the last epochs' ends. Each
 * such test evaluation is a {@code metrics.jsonl} line of split {@value #SPLIT}, written before
 * the step's checkpoint, so the mean is read back from the log and a resumed run needs no state
 * of its own for it.
 */
final class TestTail {

    /** The {@code split} of these lines in {@code metrics.jsonl}. */
    static final String SPLIT = "test-last";

    private final TreeSet<Long> steps = new TreeSet<>();

    /**
     * The last validation points of a run.
     *
     * @param count how many (0: none)
     * @param totalSteps the run's steps
     * @param evalEvery steps between validations, 0 for the end only
     */
    TestTail(int count, long totalSteps, long evalEvery) {
        if (count > 0 && totalSteps > 0) {
            steps.add(totalSteps);
            long s = evalEvery > 0 ? (totalSteps - 1) / evalEvery * evalEvery : 0;
            while (steps.size() < count && s > 0) {
                steps.add(s);
                s -= evalEvery;
            }
        }
    }

    /**
     * Whether the test split is evaluated after this step's validation.
     *
     * @param done the completed steps
     * @return true at one of the last validation points
     */
    boolean covers(long done) {
        return steps.contains(done);
    }

    /** @return the steps, in order */
    List<Long> steps() {
        return List.copyOf(steps);
    }

    /**
     * The mean of each metric over the logged test evaluations of these steps.
     *
     * @param lines the log's lines
     * @param directions metrics whose directions the means take (the final test's)
     * @return the means, or empty when none was logged
     */
    Optional<Metrics> mean(List<JsonObject> lines, Metrics... directions) {
        List<JsonObject> tail = new ArrayList<>();
        for (JsonObject o : lines) {
            if (SPLIT.equals(o.get("split").getAsString()) && steps.contains(o.get("step").getAsLong())) {
                tail.add(o);
            }
        }
        if (tail.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Double> sums = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : tail.get(0).entrySet()) {
            if (!e.getKey().equals("step") && !e.getKey().equals("split")) {
                sums.put(e.getKey(), 0.0);
            }
        }
        for (JsonObject o : tail) {
            sums.replaceAll((k, v) -> o.has(k) ? v + o.get(k).getAsDouble() : Double.NaN);
        }
        Metrics.Builder b = Metrics.builder();
        sums.forEach((k, v) -> {
            Direction d = null;
            for (Metrics m : directions) {
                d = d != null ? d : m.direction(k).orElse(null);
            }
            b.put(k, v / tail.size(), d);
        });
        return Optional.of(b.build());
    }

    /**
     * How many evaluations the mean is over.
     *
     * @param lines the log's lines
     * @return the count
     */
    long logged(List<JsonObject> lines) {
        return lines.stream().filter(o -> SPLIT.equals(o.get("split").getAsString())
                && steps.contains(o.get("step").getAsLong())).count();
    }
}
