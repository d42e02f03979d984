package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meta4j.datasets.IdxFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small suite on generated data: one table with Δm% against the single-task baselines; a run
 * that fails is reported and does not stop the others; running the suite again skips what finished.
 */
class SuiteEndToEndTest {

    @Test
    void suiteWritesOneTableSurvivesAFailureAndSkipsFinishedRuns(@TempDir Path tmp) throws Exception {
        IdxFixtures.learnable(tmp.resolve("fashion"), 900, 200, 5);
        Path conf = tmp.resolve("suite.conf");
        Files.writeString(conf, """
                include classpath("meta4j/conf/famo-multifashion.conf")
                experiment { epochs = 2, log-every = 5, plots = false, threads = 2, output-dir = "%s" }
                dataset { root = "%s", validation-size = 100 }
                algorithm { batch-size = 50 }
                suite {
                  name = tiny
                  seeds = [0, 1]
                  methods = [ls, famo, broken]
                  single-task = [left, right]
                  method-overrides { broken { weighting.type = ls, optimizer.lr = 1e30 } }
                }
                """.formatted(tmp.resolve("runs"), tmp.resolve("fashion")));
        Cli first = Cli.run("suite", "--config", conf.toString());
        assertEquals(1, first.exitCode(), "a failed run makes the exit code non-zero: " + first);
        Path dir = tmp.resolve("runs/tiny");
        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| ls | 2/2 |") && md.contains("| famo | 2/2 |"), md);
        assertTrue(md.contains("| broken | 0/2 |") && md.contains("Failed runs") && md.contains("diverged"), md);
        assertTrue(md.contains("stl-left") && md.contains("stl-right") && md.contains("Δm%"), md);
        assertTrue(Files.readString(dir.resolve("results.csv")).startsWith("method,finished,total,left/accuracy_mean"));
        assertTrue(Files.size(dir.resolve("results.png")) > 0);
        assertTrue(Files.exists(dir.resolve("famo/seed-1/summary.json")));
        String cost = Files.readString(dir.resolve("cost.md"));
        assertTrue(cost.contains("| ls | 2 |") && cost.contains("| broken | 0 |") && cost.contains("peak RSS MB"), cost);
        // famo,1,"finished",wall,train,steps/s,peak: every figure known (Linux says the peak)
        String[] famoCost = line(Files.readString(dir.resolve("cost.csv")), "famo,1,\"finished\",").split(",");
        assertTrue(Double.parseDouble(famoCost[5]) > 0 && Double.parseDouble(famoCost[6]) > 100, String.join(",", famoCost));

        String runsCsv = Files.readString(dir.resolve("runs.csv"));
        long before = Files.getLastModifiedTime(dir.resolve("famo/seed-1/summary.json")).toMillis();
        Cli again = Cli.run("suite", "--config", conf.toString());
        assertEquals(1, again.exitCode());
        assertEquals(before, Files.getLastModifiedTime(dir.resolve("famo/seed-1/summary.json")).toMillis(),
                "a finished run is not run again");
        assertEquals(md.substring(md.indexOf('|')), Files.readString(dir.resolve("results.md")).substring(md.indexOf('|')));
        String famoSeed1 = "famo,1,\"finished\",";
        assertTrue(Double.parseDouble(line(runsCsv, famoSeed1).split(",")[3]) > 0, runsCsv);
        String againSeconds = line(Files.readString(dir.resolve("runs.csv")), famoSeed1).split(",")[3];
        assertTrue(Double.parseDouble(againSeconds) > 0, "a skipped run keeps its recorded time: " + againSeconds);
    }

    private static String line(String csv, String prefix) {
        return csv.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line " + prefix + " in\n" + csv));
    }
}
