package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meta4j.datasets.mtl.MtlFixturesAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A NYUv2 run on a tiny fixture in MTAN's layout writes every metric of the three tasks, the
 * mean of the last test evaluations, and Δm% and LibMTL's Δp against the shipped baselines, to
 * {@code summary.json}.
 */
class DenseSummaryTest {

    static final List<String> METRICS = List.of("semantic/miou", "semantic/pixel-accuracy", "semantic/loss",
            "depth/abs-error", "depth/rel-error", "depth/loss", "normal/angle-mean", "normal/angle-median",
            "normal/within-11.25", "normal/within-22.5", "normal/within-30", "normal/loss", "mean-loss");

    @Test
    void summaryHoldsEveryMetricAndTheDeltas(@TempDir Path dir) throws Exception {
        Path root = MtlFixturesAccess.nyuv2(dir.resolve("nyu"), 4, 3, 8, 8);
        Path conf = dir.resolve("dense.conf");
        Files.writeString(conf, "experiment { name = dense, seed = 1, epochs = 3, eval-every-epochs = 1, test-last = 2,"
                + " threads = 1, plots = false, output-dir = \"" + dir.resolve("runs") + "\" }\n"
                + "algorithm { type = multitask, batch-size = 2, eval-batch-size = 2 }\n"
                + "weighting { type = ls }\n"
                + "dataset { type = nyuv2, root = \"" + root + "\", height = 8, width = 8 }\n"
                + "model { type = segnet-split, filters = [4, 4] }\n");
        Cli cli = Cli.run("run", "--config", conf.toString());
        assertEquals(0, cli.exitCode(), cli.toString());
        Path run = Cli.runFolder(dir.resolve("runs"), "dense");
        JsonObject s = JsonParser.parseString(Files.readString(run.resolve("summary.json"))).getAsJsonObject();
        JsonObject test = s.getAsJsonObject("test");
        for (String m : METRICS) {
            assertTrue(test.has(m), m + " missing from " + test);
        }
        assertEquals("higher", s.getAsJsonObject("directions").get("semantic/miou").getAsString());
        assertEquals("lower", s.getAsJsonObject("directions").get("normal/angle-median").getAsString());
        JsonObject last = s.getAsJsonObject("test_last");
        assertEquals(2, last.get("evaluations").getAsInt(), last.toString());
        assertTrue(last.getAsJsonObject("metrics").has("normal/within-30"), last.toString());
        JsonObject deltaM = s.getAsJsonObject("delta_m_percent");
        assertTrue(deltaM.has("test") && deltaM.has("test_last"), s.toString());
        assertTrue(Double.isFinite(deltaM.get("test").getAsDouble()), deltaM.toString());
        JsonObject deltaP = s.getAsJsonObject("libmtl_delta_p_percent").getAsJsonObject("test");
        assertTrue(deltaP.has("semantic") && deltaP.has("depth") && deltaP.has("normal") && deltaP.has("mean"), deltaP.toString());
        assertTrue(s.getAsJsonObject("stl_baselines").get("source").getAsString().contains("FAMO"));
        // The final test equals the last test-last evaluation (same parameters).
        String log = Files.readString(run.resolve("metrics.jsonl"));
        assertEquals(2, log.lines().filter(l -> l.contains("\"split\":\"test-last\"")).count(), log);
    }
}
