package dev.meta4j.runtime.suite;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meta4j.runtime.experiment.RunFolder;
import dev.meta4j.runtime.experiment.RunIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the folder of one run of a suite says about it, read from the folder alone: every
 * executor's outcome, the table and {@code --status} come from here, so that they agree whichever
 * process (a worker, a Slurm job, a later {@code --collect}) ran the cell.
 *
 * @param kind the state
 * @param detail the reason of a failure, or where an interruption stopped ("" otherwise)
 * @param summary the run's {@code summary.json}, or null
 */
public record CellState(Kind kind, String detail, JsonObject summary) {

    /** A cell's state. */
    public enum Kind {
        /** No run has started in the folder. */
        NOT_STARTED,
        /** A process holds the folder's lock. */
        RUNNING,
        /** The run finished; its summary holds the test metrics. */
        FINISHED,
        /** The run failed; {@code failure.txt} says why. */
        FAILED,
        /** The run stopped (a signal, a kill) and resumes from its last checkpoint. */
        INTERRUPTED,
        /** The folder holds a run of another config than the suite's for this cell. */
        STALE
    }

    /** The file in which a run that failed states why: its first line is the reason. */
    public static final String FAILURE = "failure.txt";

    /**
     * Reads a cell's folder.
     *
     * @param dir the cell's folder
     * @param folder its name below the suite's folder ({@code ls/seed-0}), which replaces the
     *     folder's absolute path in a failure's reason, so that the reason reads the same wherever
     *     the suite lives
     * @param planned the cell's resolved config as the suite plans it
     * @return the state
     * @throws IOException if a file cannot be read
     */
    public static CellState read(Path dir, String folder, String planned) throws IOException {
        RunFolder run = new RunFolder(dir);
        if (!Files.isDirectory(dir)) {
            return new CellState(Kind.NOT_STARTED, "", null);
        }
        if (locked(run)) {
            return new CellState(Kind.RUNNING, "", summary(run));
        }
        if (Files.isRegularFile(run.config()) && !RunIdentity.sameExperiment(Files.readString(run.config()), planned)) {
            return new CellState(Kind.STALE, "", null);
        }
        JsonObject summary = summary(run);
        String status = summary == null || !summary.has("status") ? "" : summary.get("status").getAsString();
        if (status.equals("finished")) {
            return new CellState(Kind.FINISHED, "", summary);
        }
        Path failure = dir.resolve(FAILURE);
        if (Files.isRegularFile(failure)) {
            String reason = Files.readString(failure).lines().findFirst().orElse("(no reason given)");
            return new CellState(Kind.FAILED, reason.replace(dir.toAbsolutePath().normalize().toString(), folder), summary);
        }
        if (status.equals("interrupted")) {
            return new CellState(Kind.INTERRUPTED, "at step " + summary.get("steps").getAsLong(), summary);
        }
        if (Files.isRegularFile(run.config())) {
            boolean checkpoint = Files.isRegularFile(run.lastCheckpoint()) || Files.isRegularFile(run.previousCheckpoint());
            return new CellState(Kind.INTERRUPTED, checkpoint ? "(its process was killed; it resumes from its last"
                    + " checkpoint)" : "before its first checkpoint", summary);
        }
        return new CellState(Kind.NOT_STARTED, "", null);
    }

    /** Whether a process holds the run's lock; probed only where a lock file exists, and released at once. */
    private static boolean locked(RunFolder run) throws IOException {
        if (!Files.exists(run.lockFile())) {
            return false;
        }
        try (RunFolder.Lock ignored = run.lock()) {
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    private static JsonObject summary(RunFolder run) {
        try {
            return Files.isRegularFile(run.summary())
                    ? JsonParser.parseString(Files.readString(run.summary())).getAsJsonObject() : null;
        } catch (IOException | RuntimeException e) {
            return null; // torn or damaged: resuming rewrites it
        }
    }

    /** @return whether an executor should (re)start this cell: it is neither finished nor running */
    public boolean pending() {
        return kind == Kind.NOT_STARTED || kind == Kind.FAILED || kind == Kind.INTERRUPTED;
    }

    /** @return the state in words, as the table and {@code --status} show it */
    public String text() {
        return switch (kind) {
            case NOT_STARTED -> "not run";
            case RUNNING -> "running";
            case FINISHED -> "finished";
            case FAILED -> "failed: " + detail;
            case INTERRUPTED -> "interrupted " + detail;
            case STALE -> "not run (its folder holds a run of another config)";
        };
    }

    /**
     * The cell's outcome for the table.
     *
     * @param run the cell
     * @return the outcome: the test metrics of the best validation checkpoint for a finished run, or of
     *     its last parameters where it selects those (its summary.json has no test_best then)
     */
    public RunOutcome outcome(SuitePlan.Run run) {
        double seconds = summary != null && summary.has("wall_seconds") ? summary.get("wall_seconds").getAsDouble() : Double.NaN;
        if (kind != Kind.FINISHED) {
            return new RunOutcome(run, text(), Map.of(), seconds);
        }
        JsonObject test = summary.has("test_best") ? summary.getAsJsonObject("test_best") : summary.getAsJsonObject("test");
        Map<String, Double> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : test.entrySet()) {
            m.put(e.getKey(), e.getValue().getAsDouble());
        }
        List<SuiteTable.Column> headline = SuiteRunner.headline(summary);
        return new RunOutcome(run, "finished", m, seconds, headline, new RunOutcome.Cost(number(summary, "train_seconds"),
                number(summary, "steps_per_second"), number(summary, "peak_rss_mb")));
    }

    private static double number(JsonObject summary, String key) {
        return summary.has(key) ? summary.get(key).getAsDouble() : Double.NaN;
    }
}
