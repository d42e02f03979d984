package dev.meta4j.runtime.suite;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The results of a suite: per-task test metrics (mean ± std over seeds), Δm% against the
 * single-task baselines, and the mean rank, as Markdown and CSV. A metric that runs report with
 * a 95 % confidence half-width over their test episodes ({@code accuracy-post-ci95}: a
 * meta-learner's episodic protocol) also shows that half-width, averaged over the seeds.
 *
 * <p>Δm% (Maninis et al. 2019, as in the FAMO and Nash-MTL papers): {@code (1/K) Σ_k (-1)^δ_k
 * (M_k − B_k) / B_k · 100}, with {@code B_k} the single-task baseline's mean on task {@code k}
 * and {@code δ_k = 1} when higher is better; lower is better, 0 is single-task performance. It is
 * computed per run and then averaged over seeds. It is over each task's headline metric against
 * the suite's own single-task runs; the papers' Δm% over all metrics against published baselines
 * is each run's {@code summary.json} {@code delta_m_percent} ({@link
 * dev.meta4j.runtime.report.DeltaM}, whose term this table uses too). The mean rank averages, over tasks, each method's
 * rank (1 = best) among the methods by its mean on that task.
 */
public final class SuiteTable {

    /**
     * A task's headline metric, as reported in a run's test metrics ({@code left/accuracy}), or a
     * metric of the whole run ({@code mse-post}, task "": a meta-learner's episodic metric).
     */
    public record Column(String task, String metric, boolean higherIsBetter) {
        /** @return the key in the test metrics */
        public String key() {
            return task.isEmpty() ? metric : task + "/" + metric;
        }

        /** @return the column's title: task and metric */
        public String title() {
            return task.isEmpty() ? metric : task + " " + metric;
        }
    }

    /**
     * One aggregated row.
     *
     * @param label the method's label
     * @param baseline whether it is a single-task baseline
     * @param finished its runs that finished
     * @param total its runs
     * @param mean each column's mean over the finished runs
     * @param std each column's standard deviation
     * @param ci95 each column's mean 95 % half-width over test episodes (NaN where runs report none)
     * @param deltaMean the mean Δm%
     * @param deltaStd its standard deviation
     * @param meanRank the mean rank (NaN for a baseline)
     * @param failures its failed runs: seed, reason and log
     * @param unfinished its runs that neither finished nor failed (interrupted, running, not run)
     */
    public record Row(String label, boolean baseline, int finished, int total, double[] mean, double[] std,
            double[] ci95, double deltaMean, double deltaStd, double meanRank, List<String> failures, List<String> unfinished) {}

    private final List<Column> columns;
    private final List<Row> rows;
    private final List<RunOutcome> outcomes;
    private final Map<String, Double> deltaByRun = new LinkedHashMap<>();

    private SuiteTable(List<Column> columns, List<Row> rows, List<RunOutcome> outcomes) {
        this.columns = columns;
        this.rows = rows;
        this.outcomes = outcomes;
    }

    /** @return the columns */
    public List<Column> columns() {
        return columns;
    }

    /** @return the rows, methods first, then baselines */
    public List<Row> rows() {
        return rows;
    }

    /**
     * Aggregates the outcomes of a suite.
     *
     * @param plan the plan
     * @param outcomes one per run, in plan order
     * @return the table
     */
    public static SuiteTable of(SuitePlan plan, List<RunOutcome> given) {
        List<RunOutcome> outcomes = sharedEpisodicColumns(given);
        List<Column> columns = columns(outcomes);
        Map<String, List<RunOutcome>> byLabel = new LinkedHashMap<>();
        for (RunOutcome o : outcomes) {
            byLabel.computeIfAbsent(o.run().label(), k -> new ArrayList<>()).add(o);
        }
        double[] baseline = baselines(columns, byLabel);
        List<Row> rows = new ArrayList<>();
        SuiteTable table = new SuiteTable(columns, rows, outcomes);
        for (Map.Entry<String, List<RunOutcome>> e : byLabel.entrySet()) {
            List<RunOutcome> runs = e.getValue();
            String baselineTask = runs.get(0).run().baselineTask();
            boolean isBaseline = baselineTask != null;
            List<RunOutcome> done = runs.stream().filter(RunOutcome::finished).toList();
            double[] mean = new double[columns.size()];
            double[] std = new double[columns.size()];
            double[] ci95 = new double[columns.size()];
            java.util.Arrays.fill(ci95, Double.NaN);
            for (int c = 0; c < columns.size(); c++) {
                if (isBaseline && !columns.get(c).task().equals(baselineTask)) {
                    // The other tasks' heads of a single-task run are never trained: chance level, not a result.
                    mean[c] = Double.NaN;
                    std[c] = Double.NaN;
                    continue;
                }
                String key = columns.get(c).key();
                double[] v = done.stream().mapToDouble(o -> o.testMetrics().getOrDefault(key, Double.NaN)).toArray();
                mean[c] = mean(v);
                std[c] = std(v);
                ci95[c] = mean(done.stream().mapToDouble(o -> o.testMetrics().getOrDefault(key + "-ci95", Double.NaN))
                        .toArray());
            }
            double[] deltas = new double[done.size()];
            for (int i = 0; i < done.size(); i++) {
                deltas[i] = isBaseline ? Double.NaN : delta(columns, baseline, done.get(i).testMetrics());
                table.deltaByRun.put(done.get(i).run().folder(), deltas[i]);
            }
            List<String> failures = runs.stream().filter(o -> o.status().startsWith("failed")).map(SuiteTable::why).toList();
            List<String> unfinished = runs.stream().filter(o -> !o.finished() && !o.status().startsWith("failed"))
                    .map(SuiteTable::why).toList();
            rows.add(new Row(e.getKey(), isBaseline, done.size(), runs.size(), mean, std, ci95, mean(deltas), std(deltas),
                    Double.NaN, failures, unfinished));
        }
        rank(columns, rows);
        return table;
    }

    /** A run that did not finish: its seed, its state or reason, and its log below the suite's folder. */
    private static String why(RunOutcome o) {
        return "seed " + o.run().seed() + ": " + o.status() + " (log: " + o.run().folder() + "/run.log)";
    }

    /**
     * One column for one quantity: where some runs' headline is an episodic {@code X-post} (a
     * gradient meta-learner's query metric after adaptation) and others' is {@code X} (an
     * embedding learner's, such as ProtoNet's query accuracy), both are the metric of held-out
     * queries after the method has seen the support set, so the first runs are read under {@code
     * X} (their {@code X-post} and its {@code -ci95}), and methods rank against each other. A
     * suite of gradient meta-learners only keeps {@code X-post}.
     */
    static List<RunOutcome> sharedEpisodicColumns(List<RunOutcome> outcomes) {
        Map<String, Boolean> plain = new LinkedHashMap<>();
        for (RunOutcome o : outcomes) {
            for (Column c : o.headline()) {
                if (c.task().isEmpty() && !c.metric().endsWith("-post")) {
                    plain.put(c.metric(), c.higherIsBetter());
                }
            }
        }
        List<RunOutcome> out = new ArrayList<>(outcomes.size());
        for (RunOutcome o : outcomes) {
            List<Column> headline = new ArrayList<>();
            Map<String, Double> metrics = new LinkedHashMap<>(o.testMetrics());
            boolean renamed = false;
            for (Column c : o.headline()) {
                String base = c.metric().endsWith("-post") ? c.metric().substring(0, c.metric().length() - 5) : null;
                if (c.task().isEmpty() && base != null && Boolean.valueOf(c.higherIsBetter()).equals(plain.get(base))
                        && !metrics.containsKey(base)) {
                    headline.add(new Column("", base, c.higherIsBetter()));
                    copy(metrics, c.metric(), base);
                    copy(metrics, c.metric() + "-ci95", base + "-ci95");
                    renamed = true;
                } else {
                    headline.add(c);
                }
            }
            out.add(renamed ? new RunOutcome(o.run(), o.status(), metrics, o.seconds(), headline, o.cost()) : o);
        }
        return out;
    }

    private static void copy(Map<String, Double> metrics, String from, String to) {
        Double v = metrics.get(from);
        if (v != null) {
            metrics.put(to, v);
        }
    }

    private static List<Column> columns(List<RunOutcome> outcomes) {
        Map<String, Column> stated = new LinkedHashMap<>();
        for (RunOutcome o : outcomes) {
            for (Column c : o.headline()) {
                Column before = stated.putIfAbsent(c.key(), c);
                if (before != null && before.higherIsBetter() != c.higherIsBetter()) {
                    throw new IllegalStateException("runs disagree on which way " + c.key() + " improves");
                }
            }
        }
        if (!stated.isEmpty()) {
            return new ArrayList<>(stated.values());
        }
        return legacyColumns(outcomes);
    }

    /**
     * Columns for summaries written before they named each task's headline metric and its
     * direction: every {@code task/metric} key but losses and intervals, and only {@code
     * accuracy} higher-is-better, as those versions assumed.
     */
    private static List<Column> legacyColumns(List<RunOutcome> outcomes) {
        Set<String> keys = new LinkedHashSet<>();
        for (RunOutcome o : outcomes) {
            for (String k : o.testMetrics().keySet()) {
                int slash = k.indexOf('/');
                if (slash > 0 && !k.endsWith("/loss") && !k.endsWith("-ci95")) {
                    keys.add(k);
                }
            }
        }
        List<Column> out = new ArrayList<>();
        for (String k : keys) {
            int slash = k.indexOf('/');
            String metric = k.substring(slash + 1);
            out.add(new Column(k.substring(0, slash), metric, metric.equals("accuracy")));
        }
        return out;
    }

    /** The single-task baseline's mean on each column (NaN where there is none). */
    private static double[] baselines(List<Column> columns, Map<String, List<RunOutcome>> byLabel) {
        double[] b = new double[columns.size()];
        for (int c = 0; c < columns.size(); c++) {
            Column col = columns.get(c);
            List<RunOutcome> runs = byLabel.getOrDefault("stl-" + col.task(), List.of());
            b[c] = mean(runs.stream().filter(RunOutcome::finished)
                    .mapToDouble(o -> o.testMetrics().getOrDefault(col.key(), Double.NaN)).toArray());
        }
        return b;
    }

    private static double delta(List<Column> columns, double[] baseline, Map<String, Double> m) {
        double sum = 0;
        for (int c = 0; c < columns.size(); c++) {
            sum += dev.meta4j.runtime.report.DeltaM.term(m.getOrDefault(columns.get(c).key(), Double.NaN), baseline[c],
                    columns.get(c).higherIsBetter());
        }
        return sum / columns.size();
    }

    private static void rank(List<Column> columns, List<Row> rows) {
        List<Row> methods = rows.stream().filter(r -> !r.baseline()).toList();
        double[] total = new double[methods.size()];
        for (int c = 0; c < columns.size(); c++) {
            for (int i = 0; i < methods.size(); i++) {
                int better = 0;
                for (int j = 0; j < methods.size(); j++) {
                    double a = methods.get(i).mean()[c];
                    double b = methods.get(j).mean()[c];
                    if (columns.get(c).higherIsBetter() ? b > a : b < a) {
                        better++;
                    }
                }
                total[i] += 1 + better;
            }
        }
        for (int i = 0; i < methods.size(); i++) {
            Row r = methods.get(i);
            rows.set(rows.indexOf(r), new Row(r.label(), false, r.finished(), r.total(), r.mean(), r.std(), r.ci95(),
                    r.deltaMean(), r.deltaStd(), total[i] / Math.max(1, columns.size()), r.failures(), r.unfinished()));
        }
    }

    /**
     * The table as Markdown, with failures listed below it.
     *
     * @return the text
     */
    public String markdown() {
        StringBuilder sb = new StringBuilder("| method | runs |");
        for (Column c : columns) {
            sb.append(' ').append(c.title()).append(c.higherIsBetter() ? " ↑" : " ↓").append(" |");
        }
        sb.append(" Δm% ↓ | MR ↓ |\n|---|---|");
        sb.append("---|".repeat(columns.size())).append("---|---|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.label()).append(" | ").append(r.finished()).append('/').append(r.total()).append(" |");
            for (int c = 0; c < columns.size(); c++) {
                sb.append(' ').append(pm(r.mean()[c], r.std()[c], 4));
                if (!Double.isNaN(r.ci95()[c])) {
                    sb.append(" (CI95 ").append(fmt(r.ci95()[c], 4)).append(')');
                }
                sb.append(" |");
            }
            sb.append(' ').append(r.baseline() ? "0 (baseline)" : pm(r.deltaMean(), r.deltaStd(), 2)).append(" | ")
                    .append(r.baseline() ? "–" : fmt(r.meanRank(), 2)).append(" |\n");
        }
        list(sb, "Failed runs", rows, Row::failures);
        list(sb, "Unfinished runs (running the suite again resumes them)", rows, Row::unfinished);
        return sb.toString();
    }

    private static void list(StringBuilder sb, String title, List<Row> rows, java.util.function.Function<Row, List<String>> which) {
        List<String> items = new ArrayList<>();
        for (Row r : rows) {
            which.apply(r).forEach(f -> items.add(r.label() + ", " + f));
        }
        if (!items.isEmpty()) {
            sb.append('\n').append(title).append(":\n");
            items.forEach(f -> sb.append("- ").append(f).append('\n'));
        }
    }

    /**
     * The aggregated table as CSV.
     *
     * @return the text
     */
    public String csv() {
        StringBuilder sb = new StringBuilder("method,finished,total");
        boolean[] withCi = new boolean[columns.size()];
        for (int c = 0; c < columns.size(); c++) {
            for (Row r : rows) {
                withCi[c] |= !Double.isNaN(r.ci95()[c]);
            }
            String key = columns.get(c).key();
            sb.append(',').append(key).append("_mean,").append(key).append("_std");
            if (withCi[c]) {
                sb.append(',').append(key).append("_ci95");
            }
        }
        sb.append(",delta_m_percent_mean,delta_m_percent_std,mean_rank\n");
        for (Row r : rows) {
            sb.append(r.label()).append(',').append(r.finished()).append(',').append(r.total());
            for (int c = 0; c < columns.size(); c++) {
                sb.append(',').append(num(r.mean()[c])).append(',').append(num(r.std()[c]));
                if (withCi[c]) {
                    sb.append(',').append(num(r.ci95()[c]));
                }
            }
            sb.append(',').append(num(r.deltaMean())).append(',').append(num(r.deltaStd())).append(',')
                    .append(num(r.meanRank())).append('\n');
        }
        return sb.toString();
    }

    /**
     * One line per run as CSV, with its status.
     *
     * @return the text
     */
    public String runsCsv() {
        StringBuilder sb = new StringBuilder("method,seed,status,seconds");
        for (Column c : columns) {
            sb.append(',').append(c.key());
        }
        sb.append(",delta_m_percent\n");
        for (RunOutcome o : outcomes) {
            sb.append(o.run().label()).append(',').append(o.run().seed()).append(",\"")
                    .append(o.status().replace("\"", "'")).append("\",").append(num(o.seconds()));
            for (Column c : columns) {
                sb.append(',').append(num(o.testMetrics().getOrDefault(c.key(), Double.NaN)));
            }
            sb.append(',').append(num(deltaByRun.getOrDefault(o.run().folder(), Double.NaN))).append('\n');
        }
        return sb.toString();
    }

    private static double mean(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double std(double[] v) {
        if (v.length < 2) {
            return v.length == 1 ? 0 : Double.NaN;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    private static String pm(double mean, double std, int digits) {
        if (Double.isNaN(mean)) {
            return "–";
        }
        return fmt(mean, digits) + " ± " + fmt(std, digits);
    }

    private static String fmt(double v, int digits) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.valueOf(v);
    }
}
