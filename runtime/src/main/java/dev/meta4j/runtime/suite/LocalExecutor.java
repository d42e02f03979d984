package dev.meta4j.runtime.suite;

import dev.meta4j.runtime.experiment.RunFolder;
import dev.meta4j.runtime.experiment.StopSignals;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a suite's cells on {@code workers} processes at a time on this machine. A worker is one
 * {@code meta4j cell-worker} process that runs cell after cell, each as {@code meta4j run --config
 * CELL.conf --run-dir DIR} would ({@link CellRun}); its output goes to the current cell's {@code
 * console.log} in the cell's run folder. A worker's CUDA runs take the configured devices in turn,
 * and its threads are a share of the cores ({@link Placement}).
 *
 * <p>Why one process for many cells rather than one a cell: a JVM's start, the engine's load and
 * the JIT's warm-up cost a few CPU-seconds, as much as a small run itself, and a fresh process a
 * cell paid them for every cell, so two workers on two cores were slower than the inline executor
 * that pays them once (measured, DESIGN "Runs and outputs"). A worker that dies (a native crash)
 * fails its current cell only; the next cell gets a new worker.
 *
 * <p>The workers run in sessions of their own ({@code setsid}), so that a terminal's Ctrl-C reaches
 * this process only; SIGTERM or SIGINT here is passed on to every worker as SIGTERM, each stops
 * after a checkpoint, and the suite exits with 128 + the signal. Running it again resumes them.
 * A worker whose process this one outlives ends by itself (its input closes); a later suite leaves
 * a folder that a process still holds to that process.
 */
public final class LocalExecutor implements SuiteExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(LocalExecutor.class);

    /** The file of a worker's console output, in the cell's run folder. */
    public static final String CONSOLE = "console.log";

    /** A worker's line after each cell, followed by the cell's exit code. */
    public static final String END_OF_CELL = "meta4j-worker: end of cell, exit code ";

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

    /** A cell that a worker finished, or a worker whose output ended (cell -1 when it was idle). */
    private record Event(Worker worker, int cell, Integer exitCode) {}

    @Override
    public Completion execute(SuiteFolder suite, List<Integer> cells) throws IOException {
        int threads = Placement.threadsPerWorker(settings.threads(), settings.workers(), cores);
        Worker[] slots = new Worker[Math.min(settings.workers(), cells.size())];
        Deque<Integer> queue = new ArrayDeque<>(cells);
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
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
                            w.process.destroy(); // SIGTERM: the run checkpoints and the worker exits 143
                        }
                    }
                }
                for (int s = 0; s < slots.length; s++) {
                    if (slots[s] != null && slots[s].idle() && settings.cellsPerWorker() > 0
                            && slots[s].cellsGiven >= settings.cellsPerWorker()) {
                        slots[s].close(); // spent: it exits, and the next cell gets a fresh process
                    }
                    if (stopping == null && !queue.isEmpty() && (slots[s] == null || slots[s].idle())) {
                        int cell = queue.poll();
                        try {
                            if (slots[s] == null) {
                                slots[s] = Worker.start(launcher, s, events);
                            }
                            slots[s].give(suite, cell, placement(suite, cell, s, threads));
                        } catch (IOException | UncheckedIOException e) {
                            // A worker that cannot start (a launcher that is not there) fails its cell, not the others.
                            CellRun.recordFailure(suite.cellDir(cell), new IOException("could not start its worker: "
                                    + e.getMessage(), e));
                            done++;
                            LOG.error("[{}/{}] {}: {}", done, cells.size(), suite.plan().runs().get(cell).folder(),
                                    suite.state(cell).text());
                            if (slots[s] != null) {
                                slots[s].close();
                                slots[s] = null;
                            }
                        }
                    }
                    if (slots[s] != null && slots[s].idle() && (queue.isEmpty() || stopping != null)) {
                        slots[s].close(); // end of input: the worker exits
                    }
                }
                boolean busy = false;
                for (Worker w : slots) {
                    busy |= w != null && !w.gone();
                }
                if (!busy) {
                    break;
                }
                Event e = poll(events);
                if (e == null) {
                    continue;
                }
                if (e.exitCode() != null) {
                    done++;
                    report(suite, e.cell(), e.exitCode(), e.worker().cellStart, done, cells.size());
                    e.worker().cell = -1;
                } else {
                    // its output ended: the worker exited, after its input closed or in the middle of a cell
                    Worker w = e.worker();
                    int code = w.waitFor();
                    if (w.cell >= 0) {
                        done++;
                        report(suite, w.cell, code, w.cellStart, done, cells.size());
                    }
                    w.markGone();
                    for (int s = 0; s < slots.length; s++) {
                        if (slots[s] == w) {
                            slots[s] = null;
                        }
                    }
                }
            }
            if (stopping != null) {
                return new Completion(Completion.Kind.INTERRUPTED, signals.exitCode(), "");
            }
        }
        return Completion.done();
    }

    private List<String> placement(SuiteFolder suite, int cell, int slot, int threads) throws IOException {
        String device = settings.devices().isEmpty() ? null : settings.devices().get(slot % settings.devices().size());
        List<String> overrides = Placement.overrides(suite.cellConfig(cell), threads, device);
        LOG.info("worker {}: {}{}", slot + 1, suite.plan().runs().get(cell).folder(),
                overrides.isEmpty() ? "" : " " + String.join(" ", overrides));
        return overrides;
    }

    private static Event poll(LinkedBlockingQueue<Event> events) {
        try {
            return events.poll(50, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Says how a cell ended, and records a failure its worker could not record itself. */
    private static void report(SuiteFolder suite, int cell, int code, long startNanos, int done, int total)
            throws IOException {
        String folder = suite.plan().runs().get(cell).folder();
        CellState state = suite.state(cell);
        boolean silent = state.kind() == CellState.Kind.NOT_STARTED || state.kind() == CellState.Kind.INTERRUPTED;
        if (code != 0 && silent && !signalled(code)) {
            // The JVM died without a word (a crash, a bad launcher): the table must still say so.
            RunFolder.writeAtomically(suite.cellDir(cell).resolve(CellState.FAILURE), "its worker process exited"
                    + " with code " + code + " without saying why; see " + folder + "/" + CONSOLE + "\n");
            state = suite.state(cell);
        }
        LOG.info(String.format(Locale.ROOT, "[%d/%d] %s: %s (%.0f s)", done, total, folder, state.text(),
                (System.nanoTime() - startNanos) / 1e9));
    }

    /** Ended by SIGINT, SIGKILL or SIGTERM: interrupted, and it resumes from its checkpoint. */
    private static boolean signalled(int code) {
        return code == 130 || code == 137 || code == 143;
    }

    /**
     * One worker process, and the thread that copies its output into its current cell's console
     * log and tells the executor when a cell ends.
     */
    private static final class Worker {
        final Process process;
        private final Writer input;
        private final LinkedBlockingQueue<Event> events;
        /** The cell it runs, or -1; written by the executor's thread, read by the output thread. */
        volatile int cell = -1;
        volatile long cellStart;
        /** How many cells it was given. */
        int cellsGiven;
        private volatile OutputStream console;
        private volatile boolean closed;
        private volatile boolean gone;

        private Worker(Process process, LinkedBlockingQueue<Event> events) {
            this.process = process;
            this.input = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            this.events = events;
        }

        static Worker start(Launcher launcher, int slot, LinkedBlockingQueue<Event> events) throws IOException {
            List<String> command = new ArrayList<>();
            Programs.find("setsid").ifPresent(p -> command.add(p.toString()));
            command.addAll(launcher.worker());
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            Worker w = new Worker(p, events);
            Thread copier = new Thread(w::copyOutput, "meta4j-worker-" + (slot + 1) + "-output");
            copier.setDaemon(true);
            copier.start();
            return w;
        }

        boolean idle() {
            return cell < 0 && !closed && !gone;
        }

        boolean gone() {
            return gone;
        }

        void markGone() {
            gone = true;
            closeConsole();
        }

        /** Hands it a cell: its output from now on goes to that cell's console log. */
        void give(SuiteFolder suite, int next, List<String> overrides) throws IOException {
            Path dir = suite.cellDir(next);
            Files.createDirectories(dir);
            closeConsole();
            console = Files.newOutputStream(dir.resolve(CONSOLE), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            cellStart = System.nanoTime();
            cell = next;
            cellsGiven++;
            List<String> words = new ArrayList<>();
            words.add(suite.cellConfig(next).toString());
            words.add(dir.toString());
            words.addAll(overrides);
            input.write(String.join("\t", words) + "\n");
            input.flush();
        }

        void close() {
            closed = true;
            try {
                input.close();
            } catch (IOException e) {
                // it has exited already; its output thread says so
            }
        }

        int waitFor() {
            try {
                return process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        private void copyOutput() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (line.startsWith(END_OF_CELL)) {
                        int finished = cell;
                        closeConsole();
                        events.add(new Event(this, finished, parse(line.substring(END_OF_CELL.length()))));
                    } else {
                        write(line);
                    }
                }
            } catch (IOException e) {
                // the pipe broke: the process is gone, which the event below reports
            }
            events.add(new Event(this, cell, null));
        }

        private synchronized void write(String line) {
            OutputStream c = console;
            if (c == null) {
                return; // between cells: a worker prints nothing there but its own start-up warnings
            }
            try {
                c.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                c.flush();
            } catch (IOException e) {
                LOG.warn("could not write a worker's console log: {}", e.getMessage());
            }
        }

        private synchronized void closeConsole() {
            OutputStream c = console;
            console = null;
            if (c != null) {
                try {
                    c.close();
                } catch (IOException e) {
                    LOG.warn("could not close a worker's console log: {}", e.getMessage());
                }
            }
        }

        private static int parse(String code) {
            try {
                return Integer.parseInt(code.trim());
            } catch (NumberFormatException e) {
                return 1;
            }
        }
    }
}
