package dev.meta4j.runtime.suite;

import java.io.IOException;
import java.util.List;

/**
 * Runs the pending cells of a suite: {@link InlineExecutor} (one after another in this process),
 * {@link LocalExecutor} (worker processes on this machine) or {@link SlurmExecutor} (a job array).
 * Each cell runs through {@link CellRun}, in this process or in {@code meta4j run --run-dir}, so
 * that skipping, resuming and failing are the same for all of them, and the table is built from
 * the cells' folders ({@link SuiteFolder#outcomes()}) whichever ran them.
 */
public interface SuiteExecutor {

    /**
     * How an execution ended.
     *
     * @param kind what happened
     * @param exitCode the command's exit code for an interruption (128 + the signal)
     * @param message what to tell the user ("" for none)
     */
    record Completion(Kind kind, int exitCode, String message) {

        /** What happened. */
        public enum Kind {
            /** Every cell ended here: the table can be built now. */
            DONE,
            /** The cells were handed to a scheduler: the table comes later. */
            SUBMITTED,
            /** A signal stopped the suite after its runs' checkpoints. */
            INTERRUPTED
        }

        /** @return a completion after which the table is built */
        public static Completion done() {
            return new Completion(Kind.DONE, 0, "");
        }
    }

    /**
     * Runs the given cells.
     *
     * @param suite the suite's folder, with every cell's config written
     * @param cells the indices of the cells to run, in plan order
     * @return how it ended
     * @throws IOException if the suite's folder cannot be written
     */
    Completion execute(SuiteFolder suite, List<Integer> cells) throws IOException;
}
