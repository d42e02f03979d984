package dev.meta4j.runtime.suite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Slurm's client commands as the executor and {@code --status} use them: {@code sbatch} to submit,
 * {@code squeue} for the jobs in the queue, {@code sacct} (where the cluster keeps accounting) for
 * the ended ones. They find the cluster as any user's commands do ({@code SLURM_CONF}, the
 * default config).
 */
final class SlurmCommands {

    private static final long TIMEOUT_S = 120;

    private SlurmCommands() {}

    /** A finished command. */
    record Output(int code, String out, String err) {}

    /**
     * The job or array task state of one entry of the queue or the accounting.
     *
     * @param job the array's job id
     * @param task the array task id, or -1 for a job that is no array
     * @param state {@code PENDING}, {@code RUNNING}, {@code CANCELLED}, ...
     * @param reason why it waits, or its exit code, or ""
     */
    record JobState(String job, int task, String state, String reason) {}

    /**
     * Submits a batch script.
     *
     * @param script the script
     * @return the job id
     * @throws IOException if sbatch is missing or refuses, with its message
     */
    static String submit(Path script) throws IOException {
        Path sbatch = Programs.find("sbatch").orElseThrow(() -> new IllegalStateException("the slurm executor needs"
                + " Slurm's sbatch on the PATH, and there is none (run the suite on a login node of the cluster, or"
                + " use --executor local)"));
        Output o = run(List.of(sbatch.toString(), "--parsable", script.toString()));
        if (o.code() != 0) {
            throw new IOException("sbatch " + script + " failed (exit " + o.code() + "): " + o.err().strip());
        }
        String id = o.out().strip();
        int semicolon = id.indexOf(';'); // "<id>;<cluster>" on a multi-cluster setup
        id = semicolon >= 0 ? id.substring(0, semicolon) : id;
        if (!id.matches("\\d+")) {
            throw new IOException("sbatch " + script + " printed no job id: " + o.out().strip());
        }
        return id;
    }

    /**
     * The queue's entries for some jobs: one per array task ({@code squeue -r}).
     *
     * @param jobs the job ids
     * @return the entries (none where squeue is missing or fails)
     * @throws IOException if it cannot be started
     */
    static List<JobState> queued(Set<String> jobs) throws IOException {
        if (jobs.isEmpty() || Programs.find("squeue").isEmpty()) {
            return List.of();
        }
        // By user, not by job id: squeue fails on a job id it no longer knows.
        Output o = run(List.of("squeue", "-h", "-r", "-u", System.getProperty("user.name"), "-o", "%F|%K|%T|%r"));
        return o.code() != 0 ? List.of() : parse(o.out(), jobs);
    }

    /**
     * The accounting's entries for ended jobs, where the cluster keeps accounting ({@code sacct}).
     *
     * @param jobs the job ids
     * @return the entries (none without accounting)
     * @throws IOException if it cannot be started
     */
    static List<JobState> accounted(Set<String> jobs) throws IOException {
        if (jobs.isEmpty() || Programs.find("sacct").isEmpty()) {
            return List.of();
        }
        Output o = run(List.of("sacct", "-n", "-P", "-X", "-j", String.join(",", jobs), "-o", "JobID,State,ExitCode"));
        if (o.code() != 0) {
            return List.of();
        }
        List<JobState> out = new ArrayList<>();
        for (String line : o.out().lines().toList()) {
            String[] f = line.split("\\|", -1);
            if (f.length < 3) {
                continue;
            }
            String[] id = f[0].split("_", 2);
            if (id.length == 2 && id[1].matches("\\d+") && jobs.contains(id[0])) {
                out.add(new JobState(id[0], Integer.parseInt(id[1]), f[1], "exit " + f[2]));
            } else if (id.length == 1 && jobs.contains(id[0])) {
                out.add(new JobState(id[0], -1, f[1], "exit " + f[2]));
            }
        }
        return out;
    }

    /** Parses {@code %F|%K|%T|%r} lines, keeping the given jobs. */
    static List<JobState> parse(String text, Set<String> jobs) {
        List<JobState> out = new ArrayList<>();
        for (String line : text.lines().toList()) {
            String[] f = line.strip().split("\\|", -1);
            if (f.length < 4 || !jobs.contains(f[0])) {
                continue;
            }
            int task = f[1].matches("\\d+") ? Integer.parseInt(f[1]) : -1;
            out.add(new JobState(f[0], task, f[2], f[3].equals("None") ? "" : f[3]));
        }
        return out;
    }

    /**
     * The entries by array task, the queue's over the accounting's.
     *
     * @param jobs the job ids
     * @return "job_task" → state
     * @throws IOException if a command cannot be started
     */
    static Map<String, JobState> states(Set<String> jobs) throws IOException {
        Map<String, JobState> out = new LinkedHashMap<>();
        for (JobState s : accounted(jobs)) {
            out.put(s.job() + "_" + s.task(), s);
        }
        for (JobState s : queued(jobs)) {
            out.put(s.job() + "_" + s.task(), s);
        }
        return out;
    }

    static Output run(List<String> command) throws IOException {
        // Output into files: a long queue must not fill a pipe that nobody reads yet.
        Path out = Files.createTempFile("meta4j-slurm-", ".out");
        Path err = Files.createTempFile("meta4j-slurm-", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(String.join(" ", command) + " did not answer within " + TIMEOUT_S + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException("interrupted while waiting for " + command.get(0), e);
            }
            return new Output(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
