package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code meta4j bench} measures every variant in its windows and reports ratios to the first (no timing asserted). */
class BenchCommandTest {

    @Test
    void everyVariantGetsAllWindowsAndARatioToTheFirst() {
        Cli bench = Cli.run("bench", "--steps", "6", "--warmup", "1", "--repeats", "3",
                "--vary", "algorithm.inner-steps=1,2", "experiment.threads=1");
        assertEquals(0, bench.exitCode(), bench.toString());
        List<JsonObject> rows = bench.out().lines().filter(l -> l.startsWith("JSON "))
                .map(l -> JsonParser.parseString(l.substring(5)).getAsJsonObject()).toList();
        assertEquals(List.of("algorithm.inner-steps=1", "algorithm.inner-steps=2"),
                rows.stream().map(r -> r.get("variant").getAsString()).toList());
        assertEquals(1.0, rows.get(0).get("time_vs_first").getAsDouble(), 0);
        for (JsonObject r : rows) {
            assertEquals(3, r.getAsJsonArray("windows").size(), r.toString());
            double rate = r.get("steps_per_s").getAsDouble();
            assertTrue(rate > 0 && Double.isFinite(rate), r.toString());
            assertEquals(1000 / rate, r.get("ms_per_step").getAsDouble(), 1e-9);
        }
    }

    @Test
    void aMalformedVariantIsAUsageError() {
        Cli bench = Cli.run("bench", "--variant", "no-colon-here");
        assertEquals(2, bench.exitCode(), bench.toString());
        assertTrue(bench.err().contains("--variant takes LABEL:K=V"), bench.err());
    }
}
