package dev.meta4j.runtime.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.meta4j.runtime.experiment.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cell's state comes from its folder alone, the same whichever process wrote it. */
class CellStateTest {

    private static final String CONFIG = "experiment { name = a, seed = 0, threads = 1 }\n";
    private static final SuitePlan.Run RUN = new SuitePlan.Run("ls", 0, ConfigFactory.empty(), null);

    private static CellState read(Path dir) throws Exception {
        return CellState.read(dir, "ls/seed-0", CONFIG);
    }

    @Test
    void eachStateIsReadFromItsFiles(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("ls/seed-0");
        assertEquals(CellState.Kind.NOT_STARTED, read(dir).kind());
        Files.createDirectories(dir.resolve("checkpoints"));
        assertEquals(CellState.Kind.NOT_STARTED, read(dir).kind(), "an empty folder: nothing started");

        Files.writeString(dir.resolve("config.conf"), CONFIG.replace("threads = 1", "threads = 4"));
        CellState started = read(dir);
        assertEquals(CellState.Kind.INTERRUPTED, started.kind(), "another thread count is the same experiment");
        assertEquals("interrupted before its first checkpoint", started.text());
        assertTrue(started.pending());

        Files.writeString(dir.resolve("checkpoints/last"), "x");
        assertTrue(read(dir).text().contains("was killed; it resumes from its last checkpoint"), read(dir).text());
        Files.writeString(dir.resolve("summary.json"), "{\"status\": \"interrupted\", \"steps\": 40}");
        assertEquals("interrupted at step 40", read(dir).text());

        Files.writeString(dir.resolve(CellState.FAILURE), "training diverged at step 2; outputs are in "
                + dir.toAbsolutePath().normalize() + "\n\nmore\n");
        CellState failed = read(dir);
        assertEquals(CellState.Kind.FAILED, failed.kind());
        assertEquals("failed: training diverged at step 2; outputs are in ls/seed-0", failed.text(),
                "the reason reads the same wherever the suite lives");
        assertEquals("failed: training diverged at step 2; outputs are in ls/seed-0", failed.outcome(RUN).status());

        Files.writeString(dir.resolve("summary.json"), """
                {"status": "finished", "steps": 100, "wall_seconds": 3.5,
                 "tasks": [{"name": "sine", "metric": "mse-post", "direction": "lower"}],
                 "test": {"sine/mse-post": 0.5}, "test_best": {"sine/mse-post": 0.25}}
                """);
        CellState finished = read(dir);
        assertEquals(CellState.Kind.FINISHED, finished.kind(), "a summary that says finished wins over an old failure");
        assertFalse(finished.pending());
        RunOutcome o = finished.outcome(RUN);
        assertTrue(o.finished());
        assertEquals(0.25, o.testMetrics().get("sine/mse-post"), "the best validation checkpoint's test metrics");
        assertEquals(3.5, o.seconds());

        Files.writeString(dir.resolve("config.conf"), CONFIG.replace("seed = 0", "seed = 1"));
        assertEquals(CellState.Kind.STALE, read(dir).kind(), "another seed is another experiment");
    }

    @Test
    void aHeldLockIsARunningCell(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("ls/seed-0");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.conf"), CONFIG);
        try (RunFolder.Lock lock = new RunFolder(dir).lock()) {
            assertEquals(CellState.Kind.RUNNING, read(dir).kind());
            assertFalse(read(dir).pending());
        }
        assertEquals(CellState.Kind.INTERRUPTED, read(dir).kind(), "the lock is gone with its holder");
    }
}
