package dev.meta4j.runtime.suite;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The text of the two batch scripts that the Slurm executor writes into {@code <suite>/slurm/}
 * and submits: {@code cells.sbatch}, one array task per cell, and {@code collect.sbatch}, the
 * dependent job that builds the table. They are meant to be read (and could be submitted by
 * hand): every option is an {@code #SBATCH} line, and comments say why each is there.
 */
final class SlurmScripts {

    /** Words a shell takes as they are; anything else is single-quoted. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    private SlurmScripts() {}

    /**
     * The job array's {@code --array} value: the task ids as ranges ({@code 0-2,5}), then
     * {@code %N} for a cap on the tasks that run at once.
     *
     * @param ids the task ids, ascending
     * @param maxConcurrent the cap, 0 for none
     * @return the value
     */
    static String arraySpec(List<Integer> ids, int maxConcurrent) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ids.size(); ) {
            int j = i;
            while (j + 1 < ids.size() && ids.get(j + 1) == ids.get(j) + 1) {
                j++;
            }
            sb.append(sb.length() == 0 ? "" : ",").append(ids.get(i));
            if (j > i) {
                sb.append('-').append(ids.get(j));
            }
            i = j + 1;
        }
        if (maxConcurrent > 0) {
            sb.append('%').append(maxConcurrent);
        }
        return sb.toString();
    }

    /**
     * The job array script.
     *
     * @param suite the suite's folder
     * @param cells the cells to submit, ascending: their indices are the array's task ids
     * @param overrides each submitted cell's placement overrides, by index
     * @param s the Slurm settings
     * @param launcher the meta4j command on the cluster's nodes
     * @return the script
     */
    static String cells(SuiteFolder suite, List<Integer> cells, Map<Integer, List<String>> overrides,
            ExecutorSettings.Slurm s, Launcher launcher) {
        String name = suite.plan().name();
        String dir = suite.dir().toString();
        List<String> lines = new ArrayList<>();
        lines.add("#!/bin/bash");
        lines.add("# meta4j suite \"" + name + "\": one task of this job array per run of the grid, written and");
        lines.add("# submitted (sbatch --parsable) by `meta4j suite`; slurm/submissions.tsv lists the submissions.");
        lines.add("#");
        lines.add("# Each task runs its cell's resolved config (cells/<method>/seed-<s>.conf) in the cell's own");
        lines.add("# folder with `meta4j run --run-dir`: a finished run is left alone, an interrupted one resumes");
        lines.add("# from its last checkpoint, a failed one writes its reason to failure.txt. `exec` makes the");
        lines.add("# run the job's own process, so that Slurm's SIGTERM (scancel, preemption, --signal before");
        lines.add("# the time limit) reaches it and it stops after writing a checkpoint.");
        lines.add("#SBATCH --job-name=meta4j-" + name);
        lines.add("#SBATCH --array=" + arraySpec(cells, s.maxConcurrent()));
        lines.add("#SBATCH --output=" + dir + "/slurm/logs/%A_%a.out");
        lines.add("#SBATCH --open-mode=append");
        lines.addAll(resources(s));
        if (s.gres() != null) {
            lines.add("#SBATCH --gres=" + s.gres());
        }
        // A preempted task, or one whose node failed, goes back to the queue and resumes; the
        // explicit --no-requeue wins over a cluster whose default is to requeue.
        lines.add(s.requeue() ? "#SBATCH --requeue" : "#SBATCH --no-requeue");
        if (s.signalSeconds() > 0) {
            lines.add("#SBATCH --signal=B:TERM@" + s.signalSeconds());
        }
        for (String e : s.extra()) {
            lines.add("#SBATCH " + e);
        }
        lines.add("set -euo pipefail");
        lines.add("suite=" + quote(dir));
        lines.add("case \"${SLURM_ARRAY_TASK_ID:?submit this script with sbatch}\" in");
        for (int i : cells) {
            List<String> o = overrides.getOrDefault(i, List.of());
            lines.add("  " + i + ") cell=" + quote(suite.plan().runs().get(i).folder())
                    + (o.isEmpty() ? "" : "; set -- " + String.join(" ", o.stream().map(SlurmScripts::quote).toList()))
                    + " ;;");
        }
        lines.add("  *) echo \"array task $SLURM_ARRAY_TASK_ID is no cell of this suite\" >&2; exit 2 ;;");
        lines.add("esac");
        lines.add("echo \"meta4j suite " + name + ": cell $cell, job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on"
                + " $(hostname), restart ${SLURM_RESTART_COUNT:-0}\"");
        lines.add("mkdir -p \"$suite/$cell\"");
        lines.add("exec " + words(launcher.words()) + " run --config \"$suite/cells/$cell.conf\" --run-dir \"$suite/$cell\" \"$@\"");
        return String.join("\n", lines) + "\n";
    }

    /**
     * The script of the job that builds the table once every task of the array has ended.
     *
     * @param suite the suite's folder
     * @param arrayJob the array's job id
     * @param s the Slurm settings
     * @param launcher the meta4j command on the cluster's nodes
     * @return the script
     */
    static String collect(SuiteFolder suite, String arrayJob, ExecutorSettings.Slurm s, Launcher launcher) {
        String dir = suite.dir().toString();
        List<String> lines = new ArrayList<>();
        lines.add("#!/bin/bash");
        lines.add("# meta4j suite \"" + suite.plan().name() + "\": builds the results table (results.md, results.csv,");
        lines.add("# runs.csv, results.png) from the run folders once every task of job array " + arrayJob + " has");
        lines.add("# ended, however it ended (afterany). `meta4j suite --collect` does the same by hand.");
        lines.add("#SBATCH --job-name=meta4j-" + suite.plan().name() + "-collect");
        lines.add("#SBATCH --dependency=afterany:" + arrayJob);
        lines.add("#SBATCH --output=" + dir + "/slurm/logs/collect-%j.out");
        lines.addAll(resources(new ExecutorSettings.Slurm(s.partition(), s.account(), s.time(), 1, null, s.mem(), 0,
                s.extra(), false, 0, false)));
        for (String e : s.extra()) {
            lines.add("#SBATCH " + e);
        }
        lines.add("set -euo pipefail");
        lines.add("exec " + words(launcher.words()) + " suite --collect " + quote(dir));
        return String.join("\n", lines) + "\n";
    }

    private static List<String> resources(ExecutorSettings.Slurm s) {
        List<String> lines = new ArrayList<>();
        lines.add("#SBATCH --cpus-per-task=" + s.cpusPerTask());
        if (s.partition() != null) {
            lines.add("#SBATCH --partition=" + s.partition());
        }
        if (s.account() != null) {
            lines.add("#SBATCH --account=" + s.account());
        }
        if (s.time() != null) {
            lines.add("#SBATCH --time=" + s.time());
        }
        if (s.mem() != null) {
            lines.add("#SBATCH --mem=" + s.mem());
        }
        return lines;
    }

    private static String words(List<String> words) {
        return String.join(" ", words.stream().map(SlurmScripts::quote).toList());
    }

    /**
     * A word for a shell.
     *
     * @param word the word
     * @return it, single-quoted unless it needs no quotes
     */
    static String quote(String word) {
        return PLAIN.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'";
    }
}
