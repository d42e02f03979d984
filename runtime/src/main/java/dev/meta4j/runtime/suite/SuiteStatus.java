package dev.meta4j.runtime.suite;

import java.io.IOException;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code meta4j suite --status DIR}: each cell's state from its folder and, for a suite submitted
 * to Slurm, its array task's state from {@code squeue} (and {@code sacct} where the cluster keeps
 * accounting), from the suite's folder alone.
 */
public final class SuiteStatus {

    private SuiteStatus() {}

    /**
     * The status report.
     *
     * @param suite the suite's folder
     * @return the text, one line per cell and a count of the states
     * @throws IOException if a folder cannot be read, or a Slurm command cannot be started
     */
    public static String of(SuiteFolder suite) throws IOException {
        List<SlurmExecutor.Submission> submissions = SlurmExecutor.submissions(suite.dir());
        Set<String> jobs = new LinkedHashSet<>();
        submissions.forEach(s -> jobs.add(s.arrayJob()));
        Map<String, SlurmCommands.JobState> slurm = SlurmCommands.states(jobs);
        List<SuitePlan.Run> runs = suite.plan().runs();
        int width = runs.stream().mapToInt(r -> r.folder().length()).max().orElse(0);
        StringBuilder sb = new StringBuilder("suite " + suite.plan().name() + ": " + runs.size() + " runs in "
                + suite.dir() + (jobs.isEmpty() ? "" : " (slurm jobs " + String.join(", ", jobs) + ")") + "\n");
        Map<CellState.Kind, Integer> counts = new EnumMap<>(CellState.Kind.class);
        for (int i = 0; i < runs.size(); i++) {
            CellState state = suite.state(i);
            counts.merge(state.kind(), 1, Integer::sum);
            String line = String.format(Locale.ROOT, "  %-" + width + "s  %s", runs.get(i).folder(), state.text());
            if (state.kind() == CellState.Kind.FAILED || state.kind() == CellState.Kind.INTERRUPTED) {
                line += " (log: " + runs.get(i).folder() + "/run.log)";
            }
            String job = latestJob(submissions, i);
            if (job != null) {
                SlurmCommands.JobState j = slurm.get(job + "_" + i);
                line += "   [slurm " + job + "_" + i + (j == null ? "" : " " + j.state()
                        + (j.reason().isEmpty() ? "" : ": " + j.reason())) + "]";
            }
            sb.append(line).append('\n');
        }
        StringBuilder total = new StringBuilder();
        counts.forEach((k, n) -> total.append(total.length() == 0 ? "" : ", ").append(n).append(' ')
                .append(k.name().toLowerCase(Locale.ROOT).replace('_', ' ')));
        return sb.append(total).append('\n').toString();
    }

    /** The array job of the latest submission of a cell, or null if it was never submitted. */
    private static String latestJob(List<SlurmExecutor.Submission> submissions, int cell) {
        String job = null;
        for (SlurmExecutor.Submission s : submissions) {
            if (s.cells().contains(cell)) {
                job = s.arrayJob();
            }
        }
        return job;
    }
}
