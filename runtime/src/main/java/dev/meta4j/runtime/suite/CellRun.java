package dev.meta4j.runtime.suite;

import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.experiment.Checkpoint;
import dev.meta4j.runtime.experiment.Experiment;
import dev.meta4j.runtime.experiment.RunFolder;
import dev.meta4j.runtime.experiment.RunIdentity;
import dev.meta4j.runtime.experiment.RunLog;
import dev.meta4j.runtime.experiment.Trainer;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run in a fixed folder, in this process: a cell of a suite, whichever executor runs it (the
 * inline executor calls it, a local worker and a Slurm job reach it through {@code meta4j run
 * --config CELL.conf --run-dir DIR}). The same rules hold for all of them:
 *
 * <ul>
 *   <li>a run that finished there with the same experiment ({@link RunIdentity}) is left alone;
 *   <li>one that did not finish resumes from its newest good checkpoint (or starts again at step 0
 *       without one), so a killed, preempted or requeued cell continues its numbers exactly;
 *   <li>a folder holding another experiment is moved aside ({@code <dir>.stale-<time>}), never
 *       overwritten;
 *   <li>a failure is written to {@code failure.txt} (first line: the reason) and {@code run.log},
 *       and ends only this run;
 *   <li>SIGTERM or SIGINT stops the run after a checkpoint ({@link Trainer.Interrupted} propagates);
 *   <li>a folder another process holds ({@code .lock}) is left to it.
 * </ul>
 */
public final class CellRun {

    private static final Logger LOG = LoggerFactory.getLogger(CellRun.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** How a cell's run ended. */
    public enum Ending {
        /** It trained to the end now. */
        FINISHED,
        /** It had finished before; nothing was done. */
        ALREADY_FINISHED,
        /** It failed; {@code failure.txt} says why. */
        FAILED,
        /** Another process holds the folder. */
        BUSY
    }

    /**
     * The result.
     *
     * @param ending how it ended
     * @param reason why it failed or was not run ("" otherwise)
     * @param trained what training returned, or null if nothing was trained to the end
     */
    public record Result(Ending ending, String reason, Trainer.Result trained) {}

    private final PluginRegistry registry;

    /**
     * Creates the runner of cells.
     *
     * @param registry the plugins
     */
    public CellRun(PluginRegistry registry) {
        this.registry = registry;
    }

    /**
     * Runs, resumes or skips the run in a folder.
     *
     * @param cfg the run's config
     * @param dir its folder (created if missing)
     * @return how it ended
     * @throws IOException if the folder cannot be prepared
     * @throws Trainer.Interrupted if a signal stopped it (after a checkpoint)
     */
    public Result run(ExperimentConfig cfg, Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        RunFolder folder = new RunFolder(abs);
        String rendered = cfg.render();
        Files.createDirectories(abs);
        RunFolder.Lock lock = tryLock(folder);
        if (lock == null) {
            return busy(folder);
        }
        try {
            String existing = Files.isRegularFile(folder.config()) ? Files.readString(folder.config()) : null;
            if (existing != null && !RunIdentity.sameExperiment(existing, rendered)) {
                lock.close();
                Path stale = moveAside(abs);
                LOG.warn("{}: holds a run of another config; kept in {}", abs, stale);
                Files.createDirectories(abs);
                lock = tryLock(folder);
                if (lock == null) {
                    return busy(folder);
                }
                existing = null;
            }
            if (existing != null && folder.finished()) {
                return new Result(Ending.ALREADY_FINISHED, "", null);
            }
            Files.deleteIfExists(abs.resolve(CellState.FAILURE));
            Files.createDirectories(abs.resolve("checkpoints"));
            return train(cfg, folder, existing, rendered);
        } finally {
            lock.close();
        }
    }

    private Result train(ExperimentConfig cfg, RunFolder folder, String existing, String rendered) throws IOException {
        try (RunLog log = RunLog.attach(folder.log())) {
            try (Experiment e = Experiment.create(cfg, registry)) {
                Checkpoint.Contents resume = null;
                if (existing != null) {
                    folder.deleteStaleTemps();
                    resume = Checkpoint.readNewest(folder, e.manager());
                    if (!existing.equals(rendered)) {
                        // the same experiment placed elsewhere (threads, device index): recorded, as --resume does
                        RunFolder.writeAtomically(folder.config(), rendered);
                    }
                    if (resume == null) {
                        LOG.info("{}: no checkpoint yet; training from step 0", folder.dir());
                    }
                }
                return new Result(Ending.FINISHED, "", new Trainer(e, folder).run(resume));
            } catch (Trainer.Interrupted stopped) {
                throw stopped; // the trainer wrote the checkpoint and said where it stopped
            } catch (Exception | AssertionError failure) {
                log.failed(failure);
                return failed(folder, failure);
            }
        }
    }

    private static Result failed(RunFolder folder, Throwable failure) throws IOException {
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        String reason = message.lines().findFirst().orElse(failure.getClass().getSimpleName());
        LOG.error("{}: failed: {}", folder.dir(), reason);
        RunFolder.writeAtomically(folder.dir().resolve(CellState.FAILURE),
                reason + "\n\n" + message + "\n(" + failure.getClass().getName() + ")\n");
        return new Result(Ending.FAILED, reason, null);
    }

    /**
     * Records a failure that came before the run could start (its config does not load), so that a
     * suite's table reports it like any other failure of the cell; a folder another process holds
     * is left alone.
     *
     * @param dir the run's folder
     * @param failure what went wrong
     * @throws IOException if the folder cannot be written
     */
    public static void recordFailure(Path dir, Throwable failure) throws IOException {
        Files.createDirectories(dir);
        RunFolder folder = new RunFolder(dir);
        RunFolder.Lock lock = tryLock(folder);
        if (lock != null) {
            try (lock) {
                failed(folder, failure);
            }
        }
    }

    private static Result busy(RunFolder folder) {
        String why = "run folder " + folder.dir() + " is in use by another meta4j process; left to it";
        LOG.warn(why);
        return new Result(Ending.BUSY, why, null);
    }

    /** The folder's lock, tried for a second: a {@code --status} probe holds it for an instant. */
    private static RunFolder.Lock tryLock(RunFolder folder) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return folder.lock();
            } catch (IllegalStateException e) {
                if (attempt == 10) {
                    return null;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
    }

    /**
     * Moves a folder aside as {@code <dir>.stale-<time>}, so that its outputs are kept.
     *
     * @param dir the folder
     * @return where it went
     * @throws IOException if it cannot be moved
     */
    static Path moveAside(Path dir) throws IOException {
        String base = dir.getFileName() + ".stale-" + LocalDateTime.now().format(STAMP);
        Path stale = dir.resolveSibling(base);
        for (int i = 2; Files.exists(stale); i++) {
            stale = dir.resolveSibling(base + "-" + i);
        }
        Files.move(dir, stale);
        return stale;
    }
}
