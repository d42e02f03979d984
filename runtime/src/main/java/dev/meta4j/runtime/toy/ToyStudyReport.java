package dev.meta4j.runtime.toy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The study's table, as Markdown (printed and written to {@code toy-study.md}) and CSV (one row
 * per run, {@code toy-study.csv}).
 */
public final class ToyStudyReport {

    private ToyStudyReport() {}

    /**
     * The Markdown report: settings, the criterion, and the table "method | runs ending on the
     * Pareto front (of 5) | final losses | papers".
     *
     * @param result the study
     * @return the Markdown text
     */
    public static String markdown(ToyStudy.Result result) {
        ToyStudy.Settings s = result.settings();
        StringBuilder sb = new StringBuilder();
        sb.append("# Toy study (CAGrad / Nash-MTL / FAMO two-task problem, l1 scaled by ")
                .append(fmt(ToyProblem.SCALE)).append(")\n\n");
        sb.append(String.format(Locale.ROOT,
                "Adam lr %s on x (float32), %d steps per run (the papers: 50000), method parameters lr %s, seed %d;"
                        + " %.1f s.%n",
                fmt(s.learningRate()), s.steps(), fmt(s.methodLearningRate()), s.seed(), result.seconds()));
        sb.append("Method settings: reference.conf defaults; the study sets famo.gamma = 0 (the FAMO toy script's)"
                + " and graddrop.input-sign = false (x is a parameter, not an activation)");
        if (!s.overrides().isEmpty()) {
            sb.append("; overridden: ").append(s.overrides().root().render(
                    com.typesafe.config.ConfigRenderOptions.concise()));
        }
        sb.append(".\n");
        if (!s.maxGradNorm().isEmpty()) {
            sb.append("Gradient of x clipped after the method's combination (as the FAMO toy script does for pcgrad"
                    + " and cagrad): ");
            sb.append(String.join(", ", new java.util.TreeMap<>(s.maxGradNorm()).entrySet().stream()
                    .map(e -> e.getKey() + " to norm " + fmt(e.getValue())).toList()));
            sb.append(".\n");
        }
        if (s.exactGraph()) {
            sb.append("The toy's whole computation recorded in the engine (--exact-graph).\n");
        }
        sb.append(String.format(Locale.ROOT,
                "On the Pareto front: the end point lies within %s (Euclidean, parameter space) of the analytic"
                        + " Pareto set {(x1, x2*(x1)) : |x1| <= 7} (x2*(0) = -8.35511; the papers draw it as x2 = -8.3552).%n",
                fmt(ParetoSet.TOLERANCE)));
        sb.append("Final losses are the unshifted (l1, l2) at the end point; ✓ on the front, ✗ not, NaN: diverged.\n\n");
        sb.append("| method | on Pareto front (of 5) |");
        for (double[] start : ToyProblem.STARTS) {
            sb.append(" from (").append(fmt(start[0])).append(", ").append(fmt(start[1])).append(") |");
        }
        sb.append(" papers |\n|---|---|");
        sb.append("---|".repeat(ToyProblem.STARTS.size()));
        sb.append("---|\n");
        for (ToyStudy.MethodResult m : result.methods()) {
            sb.append("| ").append(m.method()).append(" | ").append(m.onFront()).append(" |");
            for (ToyStudy.Run r : m.runs()) {
                sb.append(' ').append(cell(r)).append(" |");
            }
            sb.append(' ').append(PaperOutcomes.reported(m.method()).orElse("not run in the papers")).append(" |\n");
        }
        return sb.toString();
    }

    private static String cell(ToyStudy.Run r) {
        if (r.error() != null) {
            return "✗ error at step " + r.steps() + " (" + r.error().replace('|', '/') + ")";
        }
        if (!r.finite()) {
            return "✗ NaN at step " + r.steps();
        }
        return String.format(Locale.ROOT, "%s (%.3f, %.3f)", r.onFront() ? "✓" : "✗",
                r.finalLosses()[0], r.finalLosses()[1]);
    }

    /**
     * One CSV row per run.
     *
     * @param result the study
     * @return the CSV text with a header
     */
    public static String csv(ToyStudy.Result result) {
        StringBuilder sb = new StringBuilder(
                "method,start,start_x1,start_x2,steps,finite,end_x1,end_x2,l1,l2,pareto_distance,"
                        + "stationarity_residual,on_front,on_front_from_step,reported_on_front_of_5,error\n");
        for (ToyStudy.MethodResult m : result.methods()) {
            for (ToyStudy.Run r : m.runs()) {
                double[] start = ToyProblem.STARTS.get(r.start());
                double[] end = r.end();
                sb.append(String.join(",",
                        m.method(),
                        Integer.toString(r.start()),
                        num(start[0]), num(start[1]),
                        Integer.toString(r.steps()),
                        Boolean.toString(r.finite()),
                        num(end[0]), num(end[1]),
                        num(r.finalLosses()[0]), num(r.finalLosses()[1]),
                        num(r.distance()), num(r.residual()),
                        Boolean.toString(r.onFront()),
                        Integer.toString(r.reachedAt()),
                        PaperOutcomes.reportedCount(m.method()).map(String::valueOf).orElse(""),
                        r.error() == null ? "" : '"' + r.error().replace('"', '\'').replace('\n', ' ') + '"'));
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * Writes {@code toy-study.md} and {@code toy-study.csv} into a folder.
     *
     * @param result the study
     * @param dir the folder (created if missing)
     */
    public static void write(ToyStudy.Result result, Path dir) {
        try {
            Files.createDirectories(dir);
            writeAtomically(dir.resolve("toy-study.md"), markdown(result));
            writeAtomically(dir.resolve("toy-study.csv"), csv(result));
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the toy study's tables to " + dir, e);
        }
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "NaN";
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }
}
