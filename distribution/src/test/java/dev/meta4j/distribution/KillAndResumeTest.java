package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed twenty times at seeded random moments (SIGKILL of the child JVM, and three
 * SIGTERMs) and resumed after each kill writes exactly the {@code metrics.jsonl} and
 * {@code summary.json} of an uninterrupted run. It checkpoints after every step, so that kills
 * land in checkpoint and log writes as well as in steps, evaluations and the test phase.
 */
class KillAndResumeTest {

    private static final List<String> ARGS = List.of("experiment.name=kill", "experiment.steps=40",
            "experiment.eval-every=20", "experiment.log-every=1", "experiment.plots=false", "algorithm.eval-tasks=10",
            "experiment.threads=1");
    private static final int KILLS = 20;
    private static final List<Integer> SIGTERM_ROUNDS = List.of(4, 10, 15);
    /** What a run measures of its machine rather than computes: times, speed and peak memory. */
    private static final List<String> TIMING = List.of("train_seconds", "wall_seconds", "steps_per_second", "peak_rss_mb");

    @Test
    void killedAndResumedRunWritesWhatAnUninterruptedRunWrites(@TempDir Path tmp) throws Exception {
        Path whole = tmp.resolve("whole");
        Cli reference = run(args("run", "experiment.output-dir=" + whole));
        assertEquals(0, reference.exitCode(), reference.toString());
        Path expectedDir = Cli.runFolder(whole, "kill");
        String expectedMetrics = Files.readString(expectedDir.resolve("metrics.jsonl"));
        List<String> expectedLines = expectedMetrics.lines().toList();
        int finalValidation = expectedLines.indexOf(expectedLines.stream()
                .filter(l -> l.contains("\"step\":40,\"split\":\"validation\"")).findFirst().orElseThrow()) + 1;

        Random schedule = new Random(8);
        Path out = tmp.resolve("killed");
        Path run = null;
        int testPhaseKills = 0;
        List<String> log = new ArrayList<>();
        for (int round = 0; round < KILLS; round++) {
            boolean term = SIGTERM_ROUNDS.contains(round);
            Child child = run == null
                    ? Child.start(tmp, round, args("run", "experiment.output-dir=" + out, "experiment.checkpoint-every=1"))
                    : Child.start(tmp, round, List.of("run", "--resume", run.toString()));
            Path folder = child.awaitRunFolder();
            run = folder;
            int before = lines(folder.resolve("metrics.jsonl"));
            // Round 0 waits for nothing more (a kill before the first checkpoint); the last two wait
            // for the final validation line and the line after it (kills in the test phase); the
            // others for fresh lines spread over training, so that every round makes progress.
            int target;
            if (round == 0) {
                target = 0;
            } else if (round >= KILLS - 2) {
                target = Math.min(finalValidation + round - (KILLS - 2), expectedLines.size() - 1);
            } else {
                target = Math.min(finalValidation - 1, Math.max(before + 2,
                        round * (finalValidation - 1) / (KILLS - 2) + schedule.nextInt(3)));
            }
            child.awaitLines(folder.resolve("metrics.jsonl"), target);
            // In the test phase only a few evaluations are left; a random wait there could let the
            // run finish first on a fast machine, so those rounds kill as soon as the line is seen.
            int wait = schedule.nextInt(25);
            if (round < KILLS - 2) {
                Thread.sleep(wait);
            }
            int at = lines(folder.resolve("metrics.jsonl"));
            if (at >= finalValidation) {
                testPhaseKills++;
            }
            int code = child.kill(term);
            log.add("round " + round + (term ? " TERM" : " KILL") + " at " + at + " lines -> exit " + code);
            if (term) {
                assertEquals(143, code, child.output());
                assertTrue(child.err().contains("interrupted by SIGTERM at step"), child.output());
                assertTrue(Files.readString(folder.resolve("run.log")).contains("interrupted by SIGTERM"), child.output());
                assertEquals("interrupted", summary(folder).get("status").getAsString());
            } else {
                assertEquals(137, code, "the run ended before the kill: " + log + "\n" + child.output());
            }
        }
        System.out.println(String.join("\n", log));
        assertTrue(testPhaseKills >= 2, "kills after the final validation: " + testPhaseKills + " " + log);

        Cli last = Cli.run("run", "--resume", run.toString());
        assertEquals(0, last.exitCode(), last + "\n" + log);
        assertEquals(expectedMetrics, Files.readString(run.resolve("metrics.jsonl")), log.toString());
        assertEquals(withoutTiming(summary(expectedDir)), withoutTiming(summary(run)), log.toString());
        assertTrue(summary(run).get("steps_per_second").getAsDouble() > 0, "speed over every process's steps");
        assertTrue(summary(run).get("peak_rss_mb").getAsDouble() > 100, "peak memory over every process");
        try (var files = Files.list(run.resolve("checkpoints"))) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")));
        }

        String finished = Files.readString(run.resolve("summary.json"));
        Cli again = Cli.run("run", "--resume", run.toString());
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.out().contains("is finished"), again.toString());
        assertEquals(expectedMetrics, Files.readString(run.resolve("metrics.jsonl")));
        assertEquals(finished, Files.readString(run.resolve("summary.json")));
    }

    private static List<String> args(String command, String output, String... extra) {
        List<String> a = new ArrayList<>(List.of(command, output));
        a.addAll(ARGS);
        a.addAll(List.of(extra));
        return a;
    }

    private static Cli run(List<String> args) {
        return Cli.run(args.toArray(String[]::new));
    }

    private static JsonObject summary(Path run) throws IOException {
        return JsonParser.parseString(Files.readString(run.resolve("summary.json"))).getAsJsonObject();
    }

    private static JsonObject withoutTiming(JsonObject summary) {
        JsonObject s = summary.deepCopy();
        TIMING.forEach(s::remove);
        return s;
    }

    /** Complete lines in a file that another process appends to. */
    private static int lines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        byte[] b = Files.readAllBytes(file);
        int n = 0;
        for (byte x : b) {
            n += x == '\n' ? 1 : 0;
        }
        return n;
    }

    /** The command line in a JVM of its own, so that it can be killed for real. */
    private record Child(Process process, Path stdout, Path stderr) {

        static Child start(Path tmp, int round, List<String> args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dai.djl.offline=true",
                    "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path")));
            String cache = System.getProperty("DJL_CACHE_DIR");
            if (cache != null) {
                cmd.add(1, "-DDJL_CACHE_DIR=" + cache);
            }
            cmd.add("dev.meta4j.runtime.cli.Main");
            cmd.addAll(args);
            Path out = tmp.resolve("round-" + round + ".out");
            Path err = tmp.resolve("round-" + round + ".err");
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            return new Child(p, out, err);
        }

        Path awaitRunFolder() throws Exception {
            while (true) {
                String text = Files.readString(stdout, StandardCharsets.UTF_8);
                int at = text.indexOf("run folder: ");
                if (at >= 0 && text.indexOf('\n', at) > 0) {
                    return Path.of(text.substring(at + 12, text.indexOf('\n', at)));
                }
                checkAlive("before its run folder");
                Thread.sleep(5);
            }
        }

        void awaitLines(Path metrics, int target) throws Exception {
            while (lines(metrics) < target) {
                checkAlive("before line " + target + " of metrics.jsonl");
                Thread.sleep(2);
            }
        }

        private void checkAlive(String when) throws IOException {
            if (!process.isAlive()) {
                fail("the child ended " + when + ": exit " + process.exitValue() + "\n" + output());
            }
        }

        int kill(boolean term) throws Exception {
            if (term) {
                process.destroy();
            } else {
                process.destroyForcibly();
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("the child did not stop within 60 s\n" + output());
            }
            return process.exitValue();
        }

        String err() throws IOException {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        }

        String output() throws IOException {
            return "--- out\n" + Files.readString(stdout, StandardCharsets.UTF_8) + "--- err\n" + err();
        }
    }
}
