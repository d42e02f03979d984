package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local executor (worker processes) against the inline one on a small sine suite with a run
 * that fails on purpose: the same table, the same {@code metrics.jsonl} in every cell, the failure
 * reported with its reason and log; a SIGTERM to the suite stops its workers after a checkpoint,
 * and the suite's folder alone resumes them to the numbers of an uninterrupted run.
 */
class SuiteExecutorsTest {

    /** The bundled sine suite, small enough for a test; {@code broken} diverges at once. */
    static String suiteConfig(Path output, int steps) {
        return """
                include classpath("meta4j/conf/suite-sine.conf")
                experiment { steps = %d, eval-every = %d, log-every = 10, plots = false, checkpoint-every = 5,
                             output-dir = "%s" }
                algorithm { meta-batch = 5, eval-tasks = 10 }
                suite {
                  name = tiny
                  seeds = [0, 1]
                  methods = [ls, pcgrad, broken]
                  method-overrides { broken { weighting.type = ls, optimizer.lr = 1e30 } }
                  local { workers = 2 }
                }
                """.formatted(steps, steps / 2, output);
    }

    static final List<String> CELLS = List.of("ls/seed-0", "ls/seed-1", "pcgrad/seed-0", "pcgrad/seed-1",
            "broken/seed-0", "broken/seed-1");

    @Test
    void localWorkersWriteTheTableAndTheNumbersOfTheInlineExecutor(@TempDir Path tmp) throws Exception {
        Path conf = tmp.resolve("suite.conf");
        Files.writeString(conf, suiteConfig(tmp.resolve("unused"), 60));
        Cli inline = Cli.run("suite", "--config", conf.toString(), "experiment.output-dir=" + tmp.resolve("inline"));
        assertEquals(1, inline.exitCode(), "a failed run makes the exit code non-zero: " + inline);
        Cli local = Cli.run("suite", "--config", conf.toString(), "--executor", "local",
                "experiment.output-dir=" + tmp.resolve("local"));
        assertEquals(1, local.exitCode(), local.toString());
        Path a = tmp.resolve("inline/tiny");
        Path b = tmp.resolve("local/tiny");

        String md = Files.readString(a.resolve("results.md"));
        assertTrue(md.contains("| ls | 2/2 |") && md.contains("| pcgrad | 2/2 |") && md.contains("| broken | 0/2 |"), md);
        assertTrue(md.contains("mse-post ↓"), "a meta-learner's headline is its selection metric: " + md);
        assertTrue(md.contains("Failed runs:\n- broken, seed 0: failed: training diverged at step")
                && md.contains("(log: broken/seed-0/run.log)"), md);
        assertSameTables(a, b);
        for (String cell : CELLS) {
            assertEquals(Files.readString(a.resolve(cell).resolve("metrics.jsonl")),
                    Files.readString(b.resolve(cell).resolve("metrics.jsonl")), cell + ": the same numbers");
            String console = Files.readString(b.resolve(cell).resolve("console.log"));
            assertTrue(console.contains("run folder: " + b.resolve(cell).toAbsolutePath().normalize()),
                    cell + ": its worker's output while it ran this cell: " + console);
            assertEquals(1, console.lines().filter(l -> l.startsWith("run folder: ")).count(),
                    cell + ": and no other cell's: " + console);
            assertTrue(Files.isRegularFile(b.resolve(cell).resolve("run.log")), cell);
        }
        assertTrue(Files.readString(b.resolve("broken/seed-1/failure.txt")).startsWith("training diverged at step"));
        com.typesafe.config.Config cell = com.typesafe.config.ConfigFactory.parseFile(b.resolve("cells/pcgrad/seed-1.conf").toFile());
        assertEquals(1, cell.getLong("experiment.seed"), "resolved cell configs");
        assertEquals("pcgrad", cell.getString("weighting.type"));

        Cli status = Cli.run("suite", "--status", b.toString());
        assertEquals(0, status.exitCode(), status.toString());
        assertTrue(status.out().lines().anyMatch(l -> l.strip().startsWith("pcgrad/seed-1") && l.contains("finished")),
                status.out());
        assertTrue(status.out().lines().anyMatch(l -> l.strip().startsWith("broken/seed-0") && l.contains("failed: training"
                + " diverged")), status.out());
        assertTrue(status.out().contains("4 finished, 2 failed"), status.out());

        // From the folder alone: the same table; and a second run of the suite runs nothing again.
        Files.delete(b.resolve("results.md"));
        Cli collect = Cli.run("suite", "--collect", b.toString());
        assertEquals(1, collect.exitCode(), collect.toString());
        assertSameTables(a, b);
        long before = Files.getLastModifiedTime(b.resolve("ls/seed-1/summary.json")).toMillis();
        Cli again = Cli.run("suite", "--config", conf.toString(), "--executor", "local",
                "experiment.output-dir=" + tmp.resolve("local"));
        assertEquals(1, again.exitCode(), again.toString());
        assertEquals(before, Files.getLastModifiedTime(b.resolve("ls/seed-1/summary.json")).toMillis(),
                "a finished cell is not run again");
        assertSameTables(a, b);
    }

    @Test
    void aWorkerThatDiesFailsItsCellOnlyAndTheNextCellGetsAWorkerOfItsOwn(@TempDir Path tmp) throws Exception {
        // The first worker reads its first cell and dies without a word, as a native crash would;
        // every later worker is a real one.
        Path died = tmp.resolve("died-once");
        Path script = workerScript(tmp, "if [ ! -e '" + died + "' ]; then touch '" + died + "'; read cell; exit 3; fi");
        Path conf = tmp.resolve("suite.conf");
        Files.writeString(conf, suiteConfig(tmp.resolve("runs"), 20) + "suite { methods = [ls, broken], local.workers = 1,"
                + " command = [\"" + script + "\"] }\n");
        Cli suite = Cli.run("suite", "--config", conf.toString(), "--executor", "local");
        assertEquals(1, suite.exitCode(), suite.toString());
        Path dir = tmp.resolve("runs/tiny");
        assertTrue(Files.readString(dir.resolve("ls/seed-0/failure.txt")).startsWith("its worker process exited with"
                + " code 3 without saying why; see ls/seed-0/console.log"), Files.readString(dir.resolve("ls/seed-0/failure.txt")));
        assertTrue(Files.isRegularFile(dir.resolve("ls/seed-1/summary.json")), "the next cell ran on a new worker: " + suite);
        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| ls | 1/2 |") && md.contains("- ls, seed 0: failed: its worker process exited with code 3"), md);
    }

    @Test
    void cellsPerWorkerReplacesAWorkerByAFreshProcessAfterThatManyCells(@TempDir Path tmp) throws Exception {
        // Every worker start appends a line, then it is the real worker; one worker at a time.
        Path starts = tmp.resolve("starts");
        Path script = workerScript(tmp, "echo started >> '" + starts + "'");
        for (int limit : new int[] {0, 1}) {
            Path conf = tmp.resolve("suite-" + limit + ".conf");
            Files.writeString(conf, suiteConfig(tmp.resolve("runs-" + limit), 10) + "suite { methods = [ls, broken], seeds = [0],"
                    + " local { workers = 1, cells-per-worker = " + limit + " }, command = [\"" + script + "\"] }\n");
            Files.deleteIfExists(starts);
            Cli suite = Cli.run("suite", "--config", conf.toString(), "--executor", "local");
            assertEquals(1, suite.exitCode(), "broken diverges: " + suite);
            Path dir = tmp.resolve("runs-" + limit + "/tiny");
            assertTrue(Files.isRegularFile(dir.resolve("ls/seed-0/summary.json")), "ls finished: " + suite);
            assertTrue(Files.isRegularFile(dir.resolve("broken/seed-0/failure.txt")), "broken failed: " + suite);
            assertEquals(limit == 0 ? 1 : 2, Files.readAllLines(starts).size(),
                    "worker processes for two cells at cells-per-worker = " + limit);
        }
    }

    /** A worker command that runs a line of shell first, then is the real worker. */
    private static Path workerScript(Path tmp, String first) throws IOException {
        Path script = tmp.resolve("worker.sh");
        StringBuilder real = new StringBuilder("exec");
        for (String word : javaCommand()) {
            real.append(" '").append(word).append("'");
        }
        Files.writeString(script, "#!/bin/sh\n" + first + "\n" + real + " \"$@\"\n");
        assertTrue(script.toFile().setExecutable(true));
        return script;
    }

    /** results.md and results.csv byte for byte; runs.csv but for its wall-time column. */
    static void assertSameTables(Path a, Path b) throws IOException {
        assertEquals(Files.readString(a.resolve("results.md")), Files.readString(b.resolve("results.md")));
        assertEquals(Files.readString(a.resolve("results.csv")), Files.readString(b.resolve("results.csv")));
        assertEquals(withoutSeconds(a.resolve("runs.csv")), withoutSeconds(b.resolve("runs.csv")));
    }

    private static List<String> withoutSeconds(Path runsCsv) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(runsCsv)) {
            // method,seed,"status",seconds,...: the status is quoted and may hold commas
            int close = line.indexOf('"', line.indexOf('"') + 1);
            out.add(close < 0 ? line.replaceFirst("^([^,]*,[^,]*,[^,]*),[^,]*", "$1")
                    : line.substring(0, close + 1) + line.substring(line.indexOf(',', close + 2)));
        }
        return out;
    }

    @Test
    void aSignalledSuiteStopsItsWorkersAtACheckpointAndItsFolderResumesThem(@TempDir Path tmp) throws Exception {
        Path conf = tmp.resolve("suite.conf");
        Files.writeString(conf, suiteConfig(tmp.resolve("runs"), 1000));
        Path dir = tmp.resolve("runs/tiny");
        Path out = tmp.resolve("suite.out");
        Process suite = java(List.of("suite", "--config", conf.toString(), "--executor", "local", "suite.seeds=[0]"), out);
        Path first = dir.resolve("ls/seed-0");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(first.resolve("checkpoints/last"))) {
            if (!suite.isAlive() || System.nanoTime() > deadline) {
                suite.destroyForcibly();
                fail("no checkpoint in " + first + " (exit " + (suite.isAlive() ? "-" : suite.exitValue()) + ")\n"
                        + Files.readString(out));
            }
            Thread.sleep(10);
        }
        suite.destroy(); // SIGTERM to the suite's process only: it passes it on to its workers
        assertTrue(suite.waitFor(60, TimeUnit.SECONDS), "the suite stops within a minute");
        assertEquals(143, suite.exitValue(), Files.readString(out));
        String summary = Files.readString(first.resolve("summary.json"));
        assertEquals("interrupted", JsonParser.parseString(summary).getAsJsonObject().get("status").getAsString(),
                "the worker stopped after a checkpoint: " + summary + "\n" + Files.readString(out));
        assertTrue(Files.readString(first.resolve("run.log")).contains("interrupted by SIGTERM"));
        Cli status = Cli.run("suite", "--status", dir.toString());
        assertTrue(status.out().lines().anyMatch(l -> l.contains("ls/seed-0") && l.contains("interrupted at step")),
                status.out());

        Cli resumed = Cli.run("suite", "--resume", dir.toString());
        assertEquals(1, resumed.exitCode(), "broken fails again: " + resumed);
        String log = Files.readString(first.resolve("run.log"));
        assertTrue(log.contains("resuming " + first.toAbsolutePath().normalize() + " at step"), log);
        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| ls | 1/1 |") && md.contains("| pcgrad | 1/1 |") && md.contains("| broken | 0/1 |"), md);

        Path reference = tmp.resolve("reference");
        Cli whole = Cli.run("run", "--config", dir.resolve("cells/ls/seed-0.conf").toString(), "--run-dir", reference.toString());
        assertEquals(0, whole.exitCode(), whole.toString());
        assertEquals(Files.readString(reference.resolve("metrics.jsonl")), Files.readString(first.resolve("metrics.jsonl")),
                "the resumed cell's numbers are an uninterrupted run's");
        Cli twice = Cli.run("run", "--config", dir.resolve("cells/ls/seed-0.conf").toString(), "--run-dir", reference.toString());
        assertEquals(0, twice.exitCode(), twice.toString());
        assertTrue(twice.out().contains("is finished"), twice.out());
    }

    /** meta4j's command line in a JVM of its own, output into a file. */
    static Process java(List<String> args, Path output) throws IOException {
        List<String> cmd = javaCommand();
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    /** The words that start meta4j's command line in a JVM of its own, before its arguments. */
    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dai.djl.offline=true", "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path")));
        String cache = System.getProperty("DJL_CACHE_DIR");
        if (cache != null) {
            cmd.add(1, "-DDJL_CACHE_DIR=" + cache);
        }
        cmd.add("dev.meta4j.runtime.cli.Main");
        return cmd;
    }
}
