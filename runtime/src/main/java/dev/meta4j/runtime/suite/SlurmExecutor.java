package dev.meta4j.runtime.suite;

import dev.meta4j.runtime.experiment.RunFolder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Submits a suite's pending cells as one Slurm job array ({@code slurm/cells.sbatch}: task
 * {@code i} runs cell {@code i} through {@code meta4j run --run-dir}) and, unless told otherwise,
 * a job that depends on it ({@code afterany}) and builds the table ({@code slurm/collect.sbatch}:
 * {@code meta4j suite --collect}). Then it returns: the suite goes on without this process, and
 * its folder alone is enough to follow it ({@code --status}), collect it or resubmit it.
 *
 * <p>Resubmitting while tasks of an earlier submission are still queued or running is refused,
 * so that no cell runs twice at once. Every submission is a line of {@code slurm/submissions.tsv}.
 */
public final class SlurmExecutor implements SuiteExecutor {

    /** The Slurm executor's folder inside the suite's. */
    public static final String FOLDER = "slurm";
    /** The submissions, one line each: time, array job, collect job, cells. */
    static final String SUBMISSIONS = "submissions.tsv";

    /** What an #SBATCH line can hold unquoted: sbatch does not unquote it, and --output gives % a meaning. */
    private static final Pattern SBATCH_SAFE = Pattern.compile("[^\\s'\"\\\\$`%#;&|<>()*?]+");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ISO_LOCAL_DATE_TIME;

    private final ExecutorSettings.Slurm settings;
    private final Launcher launcher;

    /**
     * Creates the executor.
     *
     * @param settings its settings
     * @param launcher the meta4j command on the cluster's nodes
     */
    public SlurmExecutor(ExecutorSettings.Slurm settings, Launcher launcher) {
        this.settings = settings;
        this.launcher = launcher;
    }

    /**
     * One submission.
     *
     * @param time when
     * @param arrayJob the job array's id
     * @param collectJob the collect job's id, or "-"
     * @param cells the cells submitted (= the array's task ids)
     */
    record Submission(String time, String arrayJob, String collectJob, List<Integer> cells) {}

    @Override
    public Completion execute(SuiteFolder suite, List<Integer> cells) throws IOException {
        Path dir = suite.dir();
        if (!SBATCH_SAFE.matcher(dir.toString()).matches()) {
            throw new IllegalArgumentException("the slurm executor writes the suite's folder into #SBATCH lines, which"
                    + " cannot quote it: " + dir + "; choose an experiment.output-dir without spaces, quotes or"
                    + " any of $ % # ; & | < > ( ) * ?");
        }
        Path folder = Files.createDirectories(dir.resolve(FOLDER));
        Files.createDirectories(folder.resolve("logs"));
        refuseIfQueued(suite);
        Map<Integer, List<String>> overrides = new LinkedHashMap<>();
        for (int i : cells) {
            overrides.put(i, Placement.overrides(suite.cellConfig(i), settings.cpusPerTask(), null));
        }
        Path script = folder.resolve("cells.sbatch");
        writeScript(script, SlurmScripts.cells(suite, cells, overrides, settings, launcher));
        String array = SlurmCommands.submit(script);
        String collect = "-";
        if (settings.collect()) {
            Path collectScript = folder.resolve("collect.sbatch");
            writeScript(collectScript, SlurmScripts.collect(suite, array, settings, launcher));
            collect = SlurmCommands.submit(collectScript);
        }
        Submission s = new Submission(LocalDateTime.now().withNano(0).format(STAMP), array, collect, cells);
        append(folder.resolve(SUBMISSIONS), s);
        String message = "submitted job array " + array + " (" + cells.size() + " runs, --array="
                + SlurmScripts.arraySpec(cells, settings.maxConcurrent()) + ", " + script + ")"
                + (collect.equals("-") ? "; build the table with: meta4j suite --collect " + dir
                        : "; job " + collect + " builds the table when they have ended (" + dir.resolve("results.md") + ")")
                + "\nfollow it with: meta4j suite --status " + dir;
        return new Completion(Completion.Kind.SUBMITTED, 0, message);
    }

    private static void refuseIfQueued(SuiteFolder suite) throws IOException {
        List<Submission> previous = submissions(suite.dir());
        Set<String> arrays = previous.stream().map(Submission::arrayJob).collect(Collectors.toCollection(LinkedHashSet::new));
        List<String> queued = new ArrayList<>();
        for (SlurmCommands.JobState j : SlurmCommands.queued(arrays)) {
            queued.add(j.job() + "_" + j.task() + " (" + j.state() + ")");
        }
        if (!queued.isEmpty()) {
            throw new IllegalStateException("tasks of this suite's earlier submission are still in the queue: "
                    + String.join(", ", queued.subList(0, Math.min(8, queued.size()))) + (queued.size() > 8 ? ", ..." : "")
                    + "; wait for them to end (meta4j suite --status " + suite.dir() + ") or cancel them (scancel "
                    + String.join(" ", arrays) + "), then submit again");
        }
    }

    private static void writeScript(Path script, String text) throws IOException {
        RunFolder.writeAtomically(script, text);
        script.toFile().setExecutable(true);
    }

    private static void append(Path file, Submission s) throws IOException {
        if (!Files.exists(file)) {
            Files.writeString(file, "submitted\tarray_job\tcollect_job\tcells\n", StandardCharsets.UTF_8);
        }
        String cells = s.cells().stream().map(String::valueOf).collect(Collectors.joining(","));
        Files.writeString(file, s.time() + "\t" + s.arrayJob() + "\t" + s.collectJob() + "\t" + cells + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /**
     * A suite's submissions, oldest first.
     *
     * @param suite the suite's folder
     * @return the submissions (none if it was never submitted)
     * @throws IOException if the file cannot be read
     */
    static List<Submission> submissions(Path suite) throws IOException {
        Path file = suite.resolve(FOLDER).resolve(SUBMISSIONS);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<Submission> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            if (f.length < 4 || !f[1].matches("\\d+")) {
                continue; // the header, or a torn line
            }
            List<Integer> cells = new ArrayList<>();
            for (String c : f[3].split(",")) {
                if (c.matches("\\d+")) {
                    cells.add(Integer.parseInt(c));
                }
            }
            out.add(new Submission(f[0], f[1], f[2], cells));
        }
        return out;
    }
}
