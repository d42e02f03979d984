package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.experiment.Experiment;
import dev.meta4j.runtime.experiment.RunFolder;
import dev.meta4j.runtime.experiment.Trainer;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run interrupted after a checkpoint and resumed writes exactly what an uninterrupted run writes. */
class ResumeTest {

    private static final List<String> ARGS = List.of("experiment.steps=300", "experiment.eval-every=100",
            "experiment.log-every=25", "experiment.plots=false", "algorithm.eval-tasks=20", "experiment.threads=1");

    @Test
    void resumedRunContinuesExactly(@TempDir Path tmp) throws Exception {
        Path whole = tmp.resolve("whole");
        Cli a = Cli.run(concat("run", "experiment.output-dir=" + whole, ARGS));
        assertEquals(0, a.exitCode(), a.toString());
        String expected = Files.readString(Cli.runFolder(whole, "maml-sine").resolve("metrics.jsonl"));

        // Interrupt a second run between checkpoints (after step 250; the last checkpoint is at 200).
        RunFolder folder = new RunFolder(crashedRun(tmp.resolve("broken"), ARGS, 250, done -> {}));
        Cli resumed = Cli.run("run", "--resume", folder.dir().toString());
        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertEquals(expected, Files.readString(folder.metrics()));
    }

    private static final List<String> SHORT = List.of("experiment.steps=60", "experiment.eval-every=20",
            "experiment.log-every=5", "experiment.plots=false", "algorithm.eval-tasks=5", "experiment.threads=1");

    /** A run crashed after step {@code crashAt}; {@code hook} sees every step before. */
    private static Path crashedRun(Path out, List<String> args, long crashAt, java.util.function.LongConsumer hook)
            throws Exception {
        PluginRegistry registry = PluginRegistry.discover(List.of());
        ConfigLoader loader = new ConfigLoader(registry);
        ExperimentConfig cfg = loader.load(loader.parse("maml-sine.conf"),
                ConfigLoader.overrides(concat("experiment.output-dir=" + out, args)), Set.of());
        RunFolder folder = RunFolder.create(out, "maml-sine");
        try (Experiment e = Experiment.create(cfg, registry)) {
            Trainer t = new Trainer(e, folder).afterEachStep(done -> {
                if (done == crashAt) {
                    throw new IllegalStateException("simulated crash");
                }
                hook.accept(done);
            });
            assertThrows(IllegalStateException.class, () -> t.run(null));
        }
        return folder.dir();
    }

    /** A short run crashed after step 50: checkpoints at 20 (last.prev) and 40 (last); best is one of them. */
    private static Path crashedRun(Path out) throws Exception {
        return crashedRun(out, SHORT, 50, done -> {});
    }

    private static void copy(Path from, Path to) throws Exception {
        try (var files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(from.relativize(f).toString()));
            }
        }
    }

    @Test
    void damagedCheckpointsAndLogsAreDetectedAndRecoveredFrom(@TempDir Path tmp) throws Exception {
        Cli whole = Cli.run(concat("run", "experiment.output-dir=" + tmp.resolve("whole"), SHORT));
        assertEquals(0, whole.exitCode(), whole.toString());
        String expected = Files.readString(Cli.runFolder(tmp.resolve("whole"), "maml-sine").resolve("metrics.jsonl"));
        Path crashed = crashedRun(tmp.resolve("crashed"));
        assertTrue(Files.isRegularFile(crashed.resolve("checkpoints/last.prev")));

        // A bit flip in last: the checksum catches it, last.prev (step 20) takes over.
        Path flipped = tmp.resolve("flipped");
        copy(crashed, flipped);
        byte[] b = Files.readAllBytes(flipped.resolve("checkpoints/last"));
        b[b.length / 2] ^= 0x10;
        Files.write(flipped.resolve("checkpoints/last"), b);
        Cli r = Cli.run("run", "--resume", flipped.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(expected, Files.readString(flipped.resolve("metrics.jsonl")));
        String log = Files.readString(flipped.resolve("run.log"));
        assertTrue(log.contains("checkpoint " + flipped.resolve("checkpoints/last") + " is corrupt (checksum mismatch); using "
                + flipped.resolve("checkpoints/last.prev") + " (step 20)"), log);

        // last cut short and no last.prev: best takes over. A torn last line of metrics.jsonl
        // and a stale temporary file are dropped.
        Path torn = tmp.resolve("torn");
        copy(crashed, torn);
        byte[] c = Files.readAllBytes(torn.resolve("checkpoints/last"));
        Files.write(torn.resolve("checkpoints/last"), java.util.Arrays.copyOf(c, c.length / 3));
        Files.delete(torn.resolve("checkpoints/last.prev"));
        Files.writeString(torn.resolve("metrics.jsonl"), "{\"step\":51,\"spl", java.nio.file.StandardOpenOption.APPEND);
        Files.createFile(torn.resolve("checkpoints/last.123.tmp"));
        // a resume-safe override that leaves the numbers alone (threads would change the low digits on
        // models larger than this one)
        r = Cli.run("run", "--resume", torn.toString(), "experiment.checkpoint-every=2");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(expected, Files.readString(torn.resolve("metrics.jsonl")));
        log = Files.readString(torn.resolve("run.log"));
        assertTrue(log.contains("is corrupt (the header says") && log.contains("using " + torn.resolve("checkpoints/best")), log);
        assertTrue(log.contains("dropped a torn last line"), log);
        assertTrue(log.contains("deleted 1 temporary file"), log);
        assertTrue(Files.readString(torn.resolve("config.conf")).contains("checkpoint-every=2"), "accepted overrides are recorded");

        // A checkpoint of the first format (a bare zip without the checksum line) still reads.
        Path old = tmp.resolve("old");
        copy(crashed, old);
        byte[] d = Files.readAllBytes(old.resolve("checkpoints/last"));
        int nl = 0;
        while (d[nl] != '\n') {
            nl++;
        }
        Files.write(old.resolve("checkpoints/last"), java.util.Arrays.copyOfRange(d, nl + 1, d.length));
        r = Cli.run("run", "--resume", old.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(expected, Files.readString(old.resolve("metrics.jsonl")));

        // Every checkpoint damaged: exit 1, each named, no stack trace, and the reason in run.log.
        Path lost = tmp.resolve("lost");
        copy(crashed, lost);
        for (String name : List.of("last", "last.prev", "best")) {
            Files.writeString(lost.resolve("checkpoints/" + name), "meta4j-checkpoint/2 sha256=00 bytes=3\nabc");
        }
        r = Cli.run("run", "--resume", lost.toString());
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains("checkpoint " + lost.resolve("checkpoints/last") + " is corrupt (checksum mismatch)")
                && r.err().contains(lost.resolve("checkpoints/best").toString()) && r.err().contains("no usable checkpoint"),
                r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertTrue(Files.readString(lost.resolve("run.log")).contains("run failed: checkpoint "), "run.log says why");
    }

    @Test
    void checkpointsAreWrittenEveryNStepsAndByTime(@TempDir Path tmp) throws Exception {
        // Validations at 20 and 40 only: a crash after step 50 finds last at 40 ...
        assertEquals(40, lastStep(crashedRun(tmp.resolve("eval"), SHORT, 50, done -> {})));
        // ... at 49 with a checkpoint every 7 steps ...
        assertEquals(49, lastStep(crashedRun(tmp.resolve("steps"), concat("experiment.checkpoint-every=7", SHORT), 50,
                done -> {})));
        // ... and after 42 when a second has passed since the one at 40.
        long byTime = lastStep(crashedRun(tmp.resolve("time"), concat("experiment.checkpoint-every-seconds=1", SHORT), 50,
                done -> {
                    if (done == 42) {
                        sleep(1100);
                    }
                }));
        assertTrue(byTime > 42, "last checkpoint at " + byTime);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long lastStep(Path run) throws Exception {
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            return dev.meta4j.runtime.experiment.Checkpoint.read(new RunFolder(run).lastCheckpoint(), m).step();
        }
    }

    @Test
    void resumeRefusesUnsafeOverridesBadUsageAndABusyFolder(@TempDir Path tmp) throws Exception {
        Path run = crashedRun(tmp);
        String config = Files.readString(run.resolve("config.conf"));
        Cli r = Cli.run("run", "--resume", run.toString(), "experiment.seed=3");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("experiment.seed: cannot change when a run resumes") && r.err().contains("experiment.threads"),
                r.err());
        assertEquals(config, Files.readString(run.resolve("config.conf")));

        assertEquals(2, Cli.run("run", "--resume", run.toString(), "--config", "maml-sine.conf").exitCode());
        Cli missing = Cli.run("run", "--resume", tmp.resolve("nothing").toString());
        assertEquals(2, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("is not a run folder"), missing.err());

        try (RunFolder.Lock held = new RunFolder(run).lock()) {
            Cli busy = Cli.run("run", "--resume", run.toString());
            assertEquals(1, busy.exitCode(), busy.toString());
            assertTrue(busy.err().contains("is in use by another meta4j process"), busy.err());
        }
    }

    @Test
    void anOutputFolderThatCannotBeCreatedIsNamedWithTheReason(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "");
        Cli r = Cli.run("run", "experiment.output-dir=" + file, "experiment.steps=1");
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains("cannot create the run folder " + file.resolve("maml-sine"))
                && r.err().contains("(experiment.output-dir = " + file + ")"), r.err());
    }

    private static String[] concat(String first, String second, List<String> rest) {
        String[] out = new String[rest.size() + 2];
        out[0] = first;
        out[1] = second;
        for (int i = 0; i < rest.size(); i++) {
            out[i + 2] = rest.get(i);
        }
        return out;
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> out = new java.util.ArrayList<>();
        out.add(first);
        out.addAll(rest);
        return out;
    }
}
