package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A suite on a real Slurm: a one-node cluster on localhost ({@code scripts/slurm-one-node}:
 * Debian's slurm-wlm and munge, installed with apt-get if missing, a generated {@code
 * slurm.conf}, munged + slurmctld + slurmd with every file in a temporary folder), and the built
 * distribution's {@code bin/meta4j} as a user on a login node would run it.
 *
 * <p>The suite has six cells, one method that diverges on purpose. One running cell's job is
 * cancelled ({@code scancel}: SIGTERM, then SIGKILL after KillWait) and another's requeued
 * ({@code scontrol requeue}, as preemption does); the requeued one resumes in the same
 * submission, the cancelled one when the suite is submitted again (with the failed ones, which a
 * resubmission tries again; the finished ones are skipped). Then: the dependent job's
 * table has the expected rows, the failure with its reason and log, both interrupted cells
 * resumed from their checkpoints, and the table and every cell's {@code metrics.jsonl} equal the
 * inline executor's for the same grid and seeds. The cluster stops at the end, whatever happened.
 *
 * <p>It needs root (slurmd runs as root, as in CI) and the packages (or apt-get to install them).
 * Without them it is skipped, saying why, unless {@code META4J_REQUIRE_SLURM=1} (which
 * {@code .ci/run} sets) makes that a failure.
 */
class SlurmSuiteIT {

    private static final long JOB_TIMEOUT_S = 420;

    private final Path root = Path.of(property("meta4j.root"));
    private final Path distribution = Path.of(property("meta4j.it.distribution"));

    @Test
    void aSuiteOnSlurmSurvivesAFailureAScancelAndARequeueAndWritesTheInlineTable(@TempDir Path tmp) throws Exception {
        long t0 = System.nanoTime();
        Path cluster = tmp.resolve("cluster");
        Map<String, String> env = Map.of("SLURM_CONF", cluster.resolve("slurm.conf").toString(),
                "META4J_JAVA_OPTS", "-Xmx512m" + djlCache());
        try {
            startCluster(cluster);
            double started = seconds(t0);
            Path conf = tmp.resolve("suite.conf");
            Files.writeString(conf, SuiteExecutorsTest.suiteConfig(tmp.resolve("slurm"), 400) + """
                    suite {
                      executor = slurm
                      slurm { max-concurrent = 2, time = "00:20:00", mem = "900M", signal-seconds = 60,
                              extra = ["--comment=meta4j-slurm-it"] }
                    }
                    """);
            Path suite = tmp.resolve("slurm/tiny");

            // 1. Submit; cancel ls/seed-0 (task 0) and requeue pcgrad/seed-0 (task 2) after their first checkpoints.
            Cli submitted = meta4j(env, tmp, "suite", "--config", conf.toString());
            assertEquals(0, submitted.exitCode(), submitted.toString());
            String array = jobId(submitted.out());
            assertTrue(submitted.out().contains("--array=0-5%2"), submitted.out());
            String script = Files.readString(suite.resolve("slurm/cells.sbatch"));
            assertTrue(script.contains("#SBATCH --mem=900M") && script.contains("#SBATCH --requeue")
                    && script.contains("#SBATCH --signal=B:TERM@60") && script.contains("#SBATCH --comment=meta4j-slurm-it")
                    && script.contains("  5) cell=broken/seed-1 ;;"), script);
            awaitCheckpoint(suite.resolve("ls/seed-0"), env);
            Cli cancel = command(env, tmp, "scancel", array + "_0");
            assertEquals(0, cancel.exitCode(), cancel.toString());
            awaitCheckpoint(suite.resolve("pcgrad/seed-0"), env);
            Cli requeue = command(env, tmp, "scontrol", "requeue", array + "_2");
            assertEquals(0, requeue.exitCode(), requeue.toString());
            // Slurm holds a requeued job back for two minutes (BeginTime); a test needs it now.
            awaitState(env, tmp, array + "_2", "PENDING");
            Cli release = command(env, tmp, "scontrol", "update", "jobid=" + array + "_2", "StartTime=now");
            assertEquals(0, release.exitCode(), release.toString());
            awaitQueueEmpty(env, tmp);
            double firstRound = seconds(t0);

            JsonObject cancelled = summary(suite.resolve("ls/seed-0"));
            assertEquals("interrupted", cancelled.get("status").getAsString(), "scancel's SIGTERM made a checkpoint");
            long stoppedAt = cancelled.get("steps").getAsLong();
            assertTrue(stoppedAt > 0 && stoppedAt < 400, "stopped at step " + stoppedAt);
            assertTrue(Files.readString(suite.resolve("ls/seed-0/run.log")).contains("interrupted by SIGTERM"));
            String requeued = Files.readString(suite.resolve("pcgrad/seed-0/run.log"));
            assertTrue(requeued.contains("interrupted by SIGTERM") && requeued.contains("resuming"), requeued);
            assertEquals("finished", summary(suite.resolve("pcgrad/seed-0")).get("status").getAsString());
            assertTrue(Files.readString(suite.resolve("slurm/logs/" + array + "_2.out")).contains("restart 1"),
                    "the requeued task ran again in the same submission");
            String firstTable = Files.readString(suite.resolve("results.md"));
            assertTrue(firstTable.contains("| ls | 1/2 |") && firstTable.contains("Unfinished runs")
                    && firstTable.contains("ls, seed 0: interrupted at step " + stoppedAt), firstTable);

            // 2. Submit again: the finished cells are skipped, the cancelled one resumes from its
            // checkpoint, the failed ones are tried again (a failure may have been the node's).
            Cli again = meta4j(env, tmp, "suite", "--config", conf.toString());
            assertEquals(0, again.exitCode(), again.toString());
            assertTrue(again.out().contains("(3 runs, --array=0,4-5%2"), again.out());
            awaitQueueEmpty(env, tmp);
            double secondRound = seconds(t0);
            String log = Files.readString(suite.resolve("ls/seed-0/run.log"));
            assertTrue(log.contains("resuming " + suite.resolve("ls/seed-0") + " at step " + stoppedAt + "/400"), log);

            String md = Files.readString(suite.resolve("results.md"));
            assertTrue(md.contains("| ls | 2/2 |") && md.contains("| pcgrad | 2/2 |") && md.contains("| broken | 0/2 |"), md);
            assertTrue(md.contains("- broken, seed 0: failed: training diverged at step")
                    && md.contains("(log: broken/seed-0/run.log)") && !md.contains("Unfinished"), md);
            Cli status = meta4j(env, tmp, "suite", "--status", suite.toString());
            assertTrue(status.out().contains("4 finished, 2 failed") && status.out().contains("[slurm " + array + "_1]"),
                    status.toString());

            // 3. The inline executor on the same grid and seeds: the same table and the same numbers.
            Cli inline = Cli.run("suite", "--config", conf.toString(), "--executor", "inline",
                    "experiment.output-dir=" + tmp.resolve("inline"));
            assertEquals(1, inline.exitCode(), inline.toString());
            Path reference = tmp.resolve("inline/tiny");
            SuiteExecutorsTest.assertSameTables(reference, suite);
            for (String cell : SuiteExecutorsTest.CELLS) {
                assertEquals(Files.readString(reference.resolve(cell).resolve("metrics.jsonl")),
                        Files.readString(suite.resolve(cell).resolve("metrics.jsonl")), cell + ": the numbers of an"
                                + " uninterrupted run");
            }
            System.out.printf("SlurmSuiteIT: cluster up after %.1f s; first submission done (scancel, requeue) at %.1f s;"
                    + " resubmission done at %.1f s; inline reference done at %.1f s%n", started, firstRound, secondRound,
                    seconds(t0));
        } finally {
            Cli stop = script("stop", cluster.toString());
            System.out.println("slurm-one-node stop: " + stop);
        }
    }

    private void startCluster(Path cluster) throws Exception {
        boolean required = "1".equals(System.getenv("META4J_REQUIRE_SLURM"));
        Cli install = script("install");
        if (install.exitCode() == 3 && !required) {
            Assumptions.abort("no Slurm here, so this test is skipped: " + install.err().strip()
                    + " (set META4J_REQUIRE_SLURM=1 to make this a failure)");
        }
        assertEquals(0, install.exitCode(), "installing Slurm: " + install);
        int[] ports = freePorts();
        Cli start = script("start", cluster.toString(), String.valueOf(ports[0]), String.valueOf(ports[1]));
        assertEquals(0, start.exitCode(), "starting the cluster: " + start + "\n" + logs(cluster));
    }

    private Cli script(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("scripts/slurm-one-node").toString()));
        cmd.addAll(List.of(args));
        return exec(Map.of(), root, 600, cmd);
    }

    private Cli meta4j(Map<String, String> env, Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(distribution.resolve("bin/meta4j").toString()));
        cmd.addAll(List.of(args));
        return exec(env, dir, 300, cmd);
    }

    private static Cli command(Map<String, String> env, Path dir, String... args) throws IOException, InterruptedException {
        return exec(env, dir, 60, List.of(args));
    }

    private static Cli exec(Map<String, String> env, Path dir, long timeoutSeconds, List<String> cmd)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("slurm-it-", ".out");
        Path err = Files.createTempFile("slurm-it-", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().remove("META4J_HOME");
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + " did not end in " + timeoutSeconds + " s:\n" + Files.readString(out)
                        + Files.readString(err));
            }
            return new Cli(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String jobId(String submitted) {
        Matcher m = Pattern.compile("submitted job array (\\d+)").matcher(submitted);
        assertTrue(m.find(), submitted);
        return m.group(1);
    }

    /** Waits until a cell has a checkpoint, so that its job has something to resume from. */
    private static void awaitCheckpoint(Path cell, Map<String, String> env) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(JOB_TIMEOUT_S);
        while (!Files.exists(cell.resolve("checkpoints/last"))) {
            if (Files.exists(cell.resolve("summary.json"))) {
                fail(cell + " ended before the test could stop it: " + Files.readString(cell.resolve("summary.json")));
            }
            if (System.nanoTime() > deadline) {
                fail("no checkpoint in " + cell + " after " + JOB_TIMEOUT_S + " s (" + env + ")");
            }
            Thread.sleep(10);
        }
    }

    private static void awaitState(Map<String, String> env, Path dir, String task, String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String seen = "";
        while (System.nanoTime() < deadline) {
            Cli q = command(env, dir, "squeue", "-h", "-r", "-o", "%i %T");
            seen = q.out();
            if (seen.lines().anyMatch(l -> l.strip().equals(task + " " + state))) {
                return;
            }
            Thread.sleep(100);
        }
        fail(task + " never was " + state + "; the queue:\n" + seen);
    }

    private static void awaitQueueEmpty(Map<String, String> env, Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(JOB_TIMEOUT_S);
        String seen = "";
        while (System.nanoTime() < deadline) {
            Cli q = command(env, dir, "squeue", "-h", "-o", "%i %T %r");
            assertEquals(0, q.exitCode(), q.toString());
            seen = q.out();
            if (seen.isBlank()) {
                return;
            }
            Thread.sleep(250);
        }
        fail("jobs still queued after " + JOB_TIMEOUT_S + " s:\n" + seen);
    }

    private static JsonObject summary(Path cell) throws IOException {
        return JsonParser.parseString(Files.readString(cell.resolve("summary.json"))).getAsJsonObject();
    }

    private static int[] freePorts() throws IOException {
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        }
    }

    private static String djlCache() {
        String cache = System.getProperty("DJL_CACHE_DIR");
        return cache == null ? "" : " -DDJL_CACHE_DIR=" + cache;
    }

    private static String logs(Path cluster) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String name : List.of("munged.log", "slurmctld.log", "slurmd.log")) {
            Path f = cluster.resolve("log").resolve(name);
            if (Files.exists(f)) {
                List<String> lines = Files.readAllLines(f);
                sb.append("--- ").append(name).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()))).append('\n');
            }
        }
        return sb.toString();
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String property(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank() || v.startsWith("${")) {
            fail("system property " + name + " is not set: run this test through Maven (distribution's pom sets it)");
        }
        return v;
    }
}
