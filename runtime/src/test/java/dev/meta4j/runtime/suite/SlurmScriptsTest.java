package dev.meta4j.runtime.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job scripts say every option on an #SBATCH line and map each array task to its own cell. */
class SlurmScriptsTest {

    @Test
    void arraySpecsAreRangesWithTheCap() {
        assertEquals("0-5", SlurmScripts.arraySpec(List.of(0, 1, 2, 3, 4, 5), 0));
        assertEquals("0-2,4,6-7%2", SlurmScripts.arraySpec(List.of(0, 1, 2, 4, 6, 7), 2));
        assertEquals("3", SlurmScripts.arraySpec(List.of(3), 0));
    }

    @Test
    void wordsAreQuotedForTheShellOnlyWhenNeeded() {
        assertEquals("/opt/meta4j/bin/meta4j", SlurmScripts.quote("/opt/meta4j/bin/meta4j"));
        assertEquals("experiment.threads=2", SlurmScripts.quote("experiment.threads=2"));
        assertEquals("'a b'", SlurmScripts.quote("a b"));
        assertEquals("'it'\\''s'", SlurmScripts.quote("it's"));
    }

    @Test
    void theScriptsCarryEveryOption(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("tiny");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(SuiteFolder.MANIFEST), """
                {"format": "meta4j-suite/1", "name": "tiny", "single_task": [], "executor": "executor = slurm",
                 "cells": [
                   {"folder": "ls/seed-0", "label": "ls", "seed": 0, "baseline_task": null},
                   {"folder": "ls/seed-1", "label": "ls", "seed": 1, "baseline_task": null},
                   {"folder": "famo/seed-0", "label": "famo", "seed": 0, "baseline_task": null}]}
                """);
        SuiteFolder suite = SuiteFolder.open(dir, ConfigFactory.defaultReference());
        ExecutorSettings.Slurm s = new ExecutorSettings.Slurm("gpu", "proj", "01:00:00", 4, "gpu:1", "8G", 2,
                List.of("--qos=normal"), true, 90, true);
        Launcher launcher = new Launcher(List.of("/opt/meta4j/bin/meta4j"));
        String cells = SlurmScripts.cells(suite, List.of(0, 2), Map.of(2, List.of("experiment.threads=4")), s, launcher);
        for (String line : List.of("#!/bin/bash", "#SBATCH --job-name=meta4j-tiny", "#SBATCH --array=0,2%2",
                "#SBATCH --output=" + suite.dir() + "/slurm/logs/%A_%a.out", "#SBATCH --cpus-per-task=4",
                "#SBATCH --partition=gpu", "#SBATCH --account=proj", "#SBATCH --time=01:00:00", "#SBATCH --mem=8G",
                "#SBATCH --gres=gpu:1", "#SBATCH --requeue", "#SBATCH --signal=B:TERM@90", "#SBATCH --qos=normal",
                "  0) cell=ls/seed-0 ;;", "  2) cell=famo/seed-0; set -- experiment.threads=4 ;;",
                "exec /opt/meta4j/bin/meta4j run --config \"$suite/cells/$cell.conf\" --run-dir \"$suite/$cell\" \"$@\"")) {
            assertTrue(cells.lines().anyMatch(line::equals), "missing line " + line + " in\n" + cells);
        }
        assertTrue(cells.lines().noneMatch(l -> l.contains("ls/seed-1")), "only the submitted cells: " + cells);
        int firstCommand = cells.lines().toList().indexOf("set -euo pipefail");
        assertTrue(cells.lines().skip(firstCommand).noneMatch(l -> l.startsWith("#SBATCH")),
                "sbatch reads options only before the first command");

        String collect = SlurmScripts.collect(suite, "123", s, launcher);
        for (String line : List.of("#SBATCH --dependency=afterany:123", "#SBATCH --job-name=meta4j-tiny-collect",
                "#SBATCH --cpus-per-task=1", "#SBATCH --partition=gpu", "exec /opt/meta4j/bin/meta4j suite --collect "
                        + suite.dir())) {
            assertTrue(collect.lines().anyMatch(line::equals), "missing line " + line + " in\n" + collect);
        }
        assertTrue(collect.lines().noneMatch(l -> l.contains("gres")), "the table needs no GPU");
        String noRequeue = SlurmScripts.cells(suite, List.of(1), Map.of(), new ExecutorSettings.Slurm(null, null, null, 1,
                null, null, 0, List.of(), false, 0, false), launcher);
        assertTrue(noRequeue.contains("#SBATCH --no-requeue") && !noRequeue.contains("#SBATCH --signal")
                && !noRequeue.contains("--partition") && noRequeue.contains("#SBATCH --array=1\n"), noRequeue);
    }
}
