package dev.meta4j.runtime.suite;

import dev.meta4j.runtime.experiment.RunFolder;
import dev.meta4j.runtime.experiment.StopSignals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a suite's cells as {@code workers} processes at a time on this machine, each {@code meta4j
 * run --config CELL.conf --run-dir DIR} ({@link CellRun}), its console output in its run folder's
 * {@code console.log}. A worker's CUDA runs take the configured devices in turn, and its threads
 * are a share of the cores ({@link Placement}).
 *
 * <p>The workers run in sessions of their own ({@code setsid}), so that a terminal's Ctrl-C reaches
 * this process only; SIGTERM or SIGINT here is passed on to every worker as SIGTERM, each stops
 * after a checkpoint, and the suite exits with 128 + the signal. Running it again resumes them.
 * A worker whose process this one outlives ends by itself; a later suite leaves a folder that a
 * process still holds to that process.
 */
public final class LocalExecutor implements SuiteExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(LocalExecutor.class);

    /** The file of a worker's console output, in the cell's run folder. */
    public static final String CONSOLE = "console.log";

    private final ExecutorSettings.Local settings;
    private final Launcher launcher;
    private final int cores;

    /**
     * Creates the executor.
     *
     * @param settings its settings
     * @param launcher the command of the workers
     * @param cores the cores the workers share
     */
    public LocalExecutor(ExecutorSettings.Local settings, Launcher launcher, int cores) {
        this.settings = settings;
        this.launcher = launcher;
        this.cores = cores;
    }

    /** A running cell. */
    private record Worker(int cell, int slot, Process process, long startNanos) {}

    @Override
    public Completion execute(SuiteFolder suite, List<Integer> cells) throws IOException {
        int threads = Placement.threadsPerWorker(settings.threads(), settings.workers(), cores);
        Worker[] slots = new Worker[Math.min(settings.workers(), cells.size())];
        Deque<Integer> queue = new ArrayDeque<>(cells);
        LOG.info("{} runs on {} local workers, {} thread(s) each", cells.size(), slots.length, threads);
        int done = 0;
        try (StopSignals signals = StopSignals.install()) {
            String stopping = null;
            while (true) {
                if (stopping == null && signals.received() != null) {
                    stopping = signals.received();
                    LOG.warn("{}: stopping every worker after its checkpoint; run the suite again to resume", stopping);
                    for (Worker w : slots) {
                        if (w != null) {
                            w.process().destroy(); // SIGTERM: the run checkpoints and exits 143
                        }
                    }
                }
                boolean busy = false;
                for (int s = 0; s < slots.length; s++) {
                    Worker w = slots[s];
                    if (w != null && !w.process().isAlive()) {
                        done++;
                        report(suite, w, done, cells.size());
                        slots[s] = null;
                    }
                    if (slots[s] == null && stopping == null && !queue.isEmpty()) {
                        int cell = queue.poll();
                        try {
                            slots[s] = start(suite, cell, s, threads);
                        } catch (IOException e) {
                            // A worker that cannot start (a launcher that is not there) fails its cell, not the others.
                            CellRun.recordFailure(suite.cellDir(cell), new IOException("could not start its worker: "
                                    + e.getMessage(), e));
                            done++;
                            LOG.error("[{}/{}] {}: {}", done, cells.size(), suite.plan().runs().get(cell).folder(),
                                    suite.state(cell).text());
                        }
                    }
                    busy |= slots[s] != null;
                }
                if (!busy) {
                    break;
                }
                sleep();
            }
            if (stopping != null) {
                return new Completion(Completion.Kind.INTERRUPTED, signals.exitCode(), "");
            }
        }
        return Completion.done();
    }

    private Worker start(SuiteFolder suite, int cell, int slot, int threads) throws IOException {
        Path dir = suite.cellDir(cell);
        Files.createDirectories(dir);
        String device = settings.devices().isEmpty() ? null : settings.devices().get(slot % settings.devices().size());
        List<String> overrides = Placement.overrides(suite.cellConfig(cell), threads, device);
        List<String> command = new ArrayList<>();
        Programs.find("setsid").ifPresent(p -> command.add(p.toString()));
        command.addAll(launcher.cell(suite.cellConfig(cell), dir, overrides));
        SuitePlan.Run run = suite.plan().runs().get(cell);
        LOG.info("worker {}: {}{}", slot + 1, run.folder(), overrides.isEmpty() ? "" : " " + String.join(" ", overrides));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(CONSOLE).toFile())).start();
        return new Worker(cell, slot, p, System.nanoTime());
    }

    /** Says how a worker ended, and records a failure the worker could not record itself. */
    private static void report(SuiteFolder suite, Worker w, int done, int total) throws IOException {
        int code = w.process().exitValue();
        String folder = suite.plan().runs().get(w.cell()).folder();
        CellState state = suite.state(w.cell());
        boolean silent = state.kind() == CellState.Kind.NOT_STARTED || state.kind() == CellState.Kind.INTERRUPTED;
        if (code != 0 && silent && !signalled(code)) {
            // The JVM died without a word (a crash, a bad launcher): the table must still say so.
            RunFolder.writeAtomically(suite.cellDir(w.cell()).resolve(CellState.FAILURE), "its worker process exited"
                    + " with code " + code + " without saying why; see " + folder + "/" + CONSOLE + "\n");
            state = suite.state(w.cell());
        }
        LOG.info(String.format(Locale.ROOT, "[%d/%d] %s: %s (%.0f s)", done, total, folder, state.text(),
                (System.nanoTime() - w.startNanos()) / 1e9));
    }

    /** Ended by SIGINT, SIGKILL or SIGTERM: interrupted, and it resumes from its checkpoint. */
    private static boolean signalled(int code) {
        return code == 130 || code == 137 || code == 143;
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
