package dev.meta4j.runtime.suite;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * What each method of a suite cost: wall time, training time, training steps per second and peak
 * resident memory, mean over its finished runs ({@code cost.md}, {@code cost.csv}).
 *
 * <p>Kept apart from {@link SuiteTable} on purpose: these figures depend on the machine, its load
 * and the executor (a local worker shares two cores, a Slurm task has its own), while the results
 * table depends only on configs, seeds and thread counts and is the same byte for byte whichever
 * executor ran it.
 */
public final class SuiteCost {

    private record Row(String label, int finished, double wall, double train, double stepsPerSecond, double peakMb) {}

    private final List<Row> rows;
    private final List<RunOutcome> outcomes;

    private SuiteCost(List<Row> rows, List<RunOutcome> outcomes) {
        this.rows = rows;
        this.outcomes = outcomes;
    }

    /**
     * Aggregates the finished runs' costs by method.
     *
     * @param outcomes the outcomes, in plan order
     * @return the cost table
     */
    public static SuiteCost of(List<RunOutcome> outcomes) {
        Map<String, List<RunOutcome>> byLabel = new LinkedHashMap<>();
        for (RunOutcome o : outcomes) {
            byLabel.computeIfAbsent(o.run().label(), k -> new ArrayList<>()).add(o);
        }
        List<Row> rows = new ArrayList<>();
        byLabel.forEach((label, runs) -> {
            List<RunOutcome> done = runs.stream().filter(RunOutcome::finished).toList();
            rows.add(new Row(label, done.size(), mean(done, RunOutcome::seconds), mean(done, o -> o.cost().trainSeconds()),
                    mean(done, o -> o.cost().stepsPerSecond()), max(done, o -> o.cost().peakRssMb())));
        });
        return new SuiteCost(rows, List.copyOf(outcomes));
    }

    /** @return the table as Markdown */
    public String markdown() {
        StringBuilder sb = new StringBuilder("| method | runs | wall s | train s | steps/s | peak RSS MB |\n"
                + "|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.label()).append(" | ").append(r.finished()).append(" | ").append(fmt(r.wall(), 0))
                    .append(" | ").append(fmt(r.train(), 0)).append(" | ").append(fmt(r.stepsPerSecond(), 2))
                    .append(" | ").append(fmt(r.peakMb(), 0)).append(" |\n");
        }
        return sb.toString();
    }

    /** @return one line per run: method, seed, status, wall and training seconds, steps/s, peak RSS */
    public String csv() {
        StringBuilder sb = new StringBuilder("method,seed,status,wall_seconds,train_seconds,steps_per_second,peak_rss_mb\n");
        for (RunOutcome o : outcomes) {
            sb.append(o.run().label()).append(',').append(o.run().seed()).append(",\"")
                    .append(o.status().replace("\"", "'")).append("\",").append(num(o.seconds())).append(',')
                    .append(num(o.cost().trainSeconds())).append(',').append(num(o.cost().stepsPerSecond())).append(',')
                    .append(num(o.cost().peakRssMb())).append('\n');
        }
        return sb.toString();
    }

    private static double mean(List<RunOutcome> runs, ToDoubleFunction<RunOutcome> f) {
        double[] v = runs.stream().mapToDouble(f).filter(x -> !Double.isNaN(x)).toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    // The peak over seeds, not the mean: memory is a limit a machine must meet for every seed.
    private static double max(List<RunOutcome> runs, ToDoubleFunction<RunOutcome> f) {
        return runs.stream().mapToDouble(f).filter(x -> !Double.isNaN(x)).max().orElse(Double.NaN);
    }

    private static String fmt(double v, int digits) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.valueOf(v);
    }
}
