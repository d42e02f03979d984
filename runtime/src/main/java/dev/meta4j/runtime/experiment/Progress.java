package dev.meta4j.runtime.experiment;

import java.io.PrintStream;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows how far a run is: a bar redrawn in place on a terminal, or a log line every few seconds
 * when output goes to a file or CI log.
 */
abstract class Progress {

    private static final Logger LOG = LoggerFactory.getLogger("meta4j.progress");

    protected final long total;
    protected final long startStep;
    protected final long startNanos = System.nanoTime();

    Progress(long total, long startStep) {
        this.total = total;
        this.startStep = startStep;
    }

    /**
     * Picks the form for where stderr goes.
     *
     * @param total the steps of the run
     * @param startStep the first step (after a resume)
     * @return the reporter
     */
    static Progress forConsole(long total, long startStep) {
        boolean terminal = System.console() != null && System.getenv("CI") == null;
        return terminal ? new Bar(total, startStep, System.err) : new LogLines(total, startStep);
    }

    /**
     * Reports that a step finished.
     *
     * @param done completed steps
     * @param status a short status (the latest loss)
     */
    abstract void update(long done, String status);

    /** Ends the display. */
    abstract void finish();

    /**
     * Reports a phase between steps (an evaluation starting or ending), so that a long evaluation
     * does not look like a hung run.
     *
     * @param message one line
     */
    void note(String message) {
        LOG.info(message);
    }

    protected double rate(long done) {
        double s = (System.nanoTime() - startNanos) / 1e9;
        return s > 0 ? (done - startStep) / s : 0;
    }

    protected String eta(long done) {
        double r = rate(done);
        if (r <= 0) {
            return "--:--";
        }
        return duration((total - done) / r);
    }

    /**
     * Formats a duration as m:ss or h:mm:ss.
     *
     * @param seconds the duration
     * @return the text
     */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /**
     * A reporter that shows nothing, for a trainer before its run starts.
     *
     * @return the reporter
     */
    static Progress silent() {
        return new Progress(0, 0) {
            @Override
            void update(long done, String status) {}

            @Override
            void finish() {}

            @Override
            void note(String message) {}
        };
    }

    /** A bar on a terminal, redrawn at most ten times a second. */
    static final class Bar extends Progress {
        private final PrintStream out;
        private long lastDraw;

        Bar(long total, long startStep, PrintStream out) {
            super(total, startStep);
            this.out = out;
        }

        @Override
        void update(long done, String status) {
            long now = System.nanoTime();
            if (done < total && now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            int width = 30;
            int filled = (int) (width * done / Math.max(1, total));
            String bar = "=".repeat(filled) + (filled < width ? ">" : "") + " ".repeat(Math.max(0, width - filled - 1));
            out.printf(Locale.ROOT, "\r[%s] %d/%d %3d%% %.1f steps/s ETA %s %s   ", bar, done, total,
                    100 * done / Math.max(1, total), rate(done), eta(done), status);
            out.flush();
        }

        @Override
        void finish() {
            out.println();
        }

        @Override
        void note(String message) {
            // the bar has no newline: clear its line first, the next update redraws it below
            out.print("\r\033[K");
            out.flush();
            super.note(message);
        }
    }

    /** A log line at most every ten seconds (and at the end). */
    static final class LogLines extends Progress {
        private long lastLine = System.nanoTime();

        LogLines(long total, long startStep) {
            super(total, startStep);
        }

        @Override
        void update(long done, String status) {
            long now = System.nanoTime();
            if (done < total && now - lastLine < 10_000_000_000L) {
                return;
            }
            lastLine = now;
            LOG.info(String.format(Locale.ROOT, "step %d/%d (%d%%), %.1f steps/s, ETA %s, %s", done, total,
                    100 * done / Math.max(1, total), rate(done), eta(done), status));
        }

        @Override
        void finish() {}
    }
}
