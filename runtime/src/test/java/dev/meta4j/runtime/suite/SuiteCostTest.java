package dev.meta4j.runtime.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cost table: means over finished runs, the highest peak, unknown figures shown as such. */
class SuiteCostTest {

    @Test
    void meansOverFinishedRunsAndTheHighestPeak() {
        SuitePlan plan = SuitePlan.of(ConfigFactory.parseString("suite { name = t, seeds = [0, 1], methods = [a, b] }"));
        List<SuitePlan.Run> runs = plan.runs();
        List<RunOutcome> out = List.of(
                new RunOutcome(runs.get(0), "finished", Map.of(), 10, List.of(), new RunOutcome.Cost(8, 2.0, 700)),
                new RunOutcome(runs.get(1), "finished", Map.of(), 20, List.of(), new RunOutcome.Cost(16, 4.0, 900)),
                // a failed run's figures are not a method's cost; an old summary without a peak is unknown
                new RunOutcome(runs.get(2), "failed: diverged", Map.of(), 99, List.of(), new RunOutcome.Cost(1, 99, 99_999)),
                new RunOutcome(runs.get(3), "finished", Map.of(), 30, List.of(), new RunOutcome.Cost(24, 1.5, Double.NaN)));
        String md = SuiteCost.of(out).markdown();
        assertTrue(md.contains("| a | 2 | 15 | 12 | 3.00 | 900 |"), md);
        assertTrue(md.contains("| b | 1 | 30 | 24 | 1.50 | – |"), md);
        String csv = SuiteCost.of(out).csv();
        assertEquals("method,seed,status,wall_seconds,train_seconds,steps_per_second,peak_rss_mb", csv.lines().findFirst().get());
        assertTrue(csv.contains("b,1,\"finished\",30.0,24.0,1.5,\n"), csv);
    }
}
