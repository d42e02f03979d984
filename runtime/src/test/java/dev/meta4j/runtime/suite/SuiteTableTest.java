package dev.meta4j.runtime.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Δm%, mean rank and failure reporting, against numbers worked out by hand. */
class SuiteTableTest {

    private static SuitePlan plan() {
        return SuitePlan.of(ConfigFactory.parseString(
                "suite { name = t, seeds = [0, 1], methods = [a, b], single-task = [left, right] }"));
    }

    private static RunOutcome ok(SuitePlan.Run run, double left, double right) {
        Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("left/accuracy", left);
        m.put("left/loss", 1.0);
        m.put("right/accuracy", right);
        m.put("mean-accuracy", (left + right) / 2);
        return new RunOutcome(run, "finished", m, 1);
    }

    @Test
    void deltaMAndMeanRankByHand() {
        SuitePlan plan = plan();
        List<RunOutcome> out = new ArrayList<>();
        // methods a (seeds 0, 1) and b (seeds 0, 1), then stl-left and stl-right
        out.add(ok(plan.runs().get(0), 0.90, 0.80));
        out.add(ok(plan.runs().get(1), 0.92, 0.82));
        out.add(ok(plan.runs().get(2), 0.95, 0.70));
        out.add(new RunOutcome(plan.runs().get(3), "failed: diverged", Map.of(), 1));
        out.add(ok(plan.runs().get(4), 0.90, 0.10)); // stl-left: only its own task counts
        out.add(ok(plan.runs().get(5), 0.90, 0.10));
        out.add(ok(plan.runs().get(6), 0.10, 0.80)); // stl-right
        out.add(ok(plan.runs().get(7), 0.10, 0.80));
        SuiteTable t = SuiteTable.of(plan, out);
        assertEquals(List.of("left/accuracy", "right/accuracy"), t.columns().stream().map(SuiteTable.Column::key).toList());
        SuiteTable.Row a = t.rows().get(0);
        SuiteTable.Row b = t.rows().get(1);
        // baselines B = (0.90, 0.80); higher is better, so delta = -(M - B)/B averaged, in %
        double a0 = -100 * ((0.90 - 0.90) / 0.90 + (0.80 - 0.80) / 0.80) / 2;
        double a1 = -100 * ((0.92 - 0.90) / 0.90 + (0.82 - 0.80) / 0.80) / 2;
        assertEquals((a0 + a1) / 2, a.deltaMean(), 1e-12);
        assertEquals(Math.abs(a1 - a0) / Math.sqrt(2), a.deltaStd(), 1e-12);
        double b0 = -100 * ((0.95 - 0.90) / 0.90 + (0.70 - 0.80) / 0.80) / 2;
        assertEquals(b0, b.deltaMean(), 1e-12);
        assertEquals(1, b.finished());
        assertEquals(2, b.total());
        // ranks: left: b (0.95) beats a (0.91): a=2, b=1; right: a (0.81) beats b (0.70): a=1, b=2
        assertEquals(1.5, a.meanRank(), 1e-12);
        assertEquals(1.5, b.meanRank(), 1e-12);
        assertEquals(0.91, a.mean()[0], 1e-12);
        String md = t.markdown();
        assertTrue(md.contains("| a | 2/2 |") && md.contains("| b | 1/2 |"), md);
        assertTrue(md.contains("b, seed 1: failed: diverged"), md);
        assertTrue(md.contains("| stl-left | 2/2 | 0.9000 ± 0.0000 | – | 0 (baseline) | – |"), md);
        assertTrue(md.contains("| stl-right | 2/2 | – | 0.8000 ± 0.0000 | 0 (baseline) | – |"), md);
        assertTrue(t.runsCsv().contains("b,1,\"failed: diverged\""), t.runsCsv());
    }

    private static RunOutcome dense(SuitePlan.Run run, double miou, double depthError) {
        Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("left/miou", miou);
        m.put("left/pixel-accuracy", 0.5);
        m.put("right/abs-error", depthError);
        return new RunOutcome(run, "finished", m, 1, List.of(new SuiteTable.Column("left", "miou", true),
                new SuiteTable.Column("right", "abs-error", false)));
    }

    @Test
    void anEpisodicMetricShowsItsMeanConfidenceHalfWidthBesideTheSeeds() {
        SuitePlan plan = SuitePlan.of(ConfigFactory.parseString("suite { name = t, seeds = [0, 1], methods = [a, b] }"));
        List<RunOutcome> out = new ArrayList<>();
        double[][] runs = {{0.90, 0.010}, {0.92, 0.014}, {0.80, 0.020}, {0.84, 0.022}};
        for (int i = 0; i < 4; i++) {
            Map<String, Double> m = new java.util.LinkedHashMap<>();
            m.put("accuracy-post", runs[i][0]);
            m.put("accuracy-post-ci95", runs[i][1]);
            out.add(new RunOutcome(plan.runs().get(i), "finished", m, 1,
                    List.of(new SuiteTable.Column("", "accuracy-post", true))));
        }
        SuiteTable t = SuiteTable.of(plan, out);
        assertEquals(0.012, t.rows().get(0).ci95()[0], 1e-12, "the mean of the seeds' half-widths");
        String md = t.markdown();
        assertTrue(md.contains("| a | 2/2 | 0.9100 ± 0.0141 (CI95 0.0120) |"), md);
        assertTrue(md.contains("| b | 2/2 | 0.8200 ± 0.0283 (CI95 0.0210) |"), md);
        String csv = t.csv();
        assertTrue(csv.startsWith("method,finished,total,accuracy-post_mean,accuracy-post_std,accuracy-post_ci95,"), csv);
        // a metric without half-widths keeps the old columns
        assertTrue(!SuiteTable.of(plan(), List.of()).csv().contains("_ci95"));
    }

    @Test
    void aMetaLearnersPostAdaptationAccuracyAndAnEmbeddingLearnersAccuracyShareAColumn() {
        SuitePlan plan = SuitePlan.of(ConfigFactory.parseString("suite { name = t, seeds = [0], methods = [maml, protonet] }"));
        Map<String, Double> maml = new java.util.LinkedHashMap<>();
        maml.put("accuracy-pre", 0.2);
        maml.put("accuracy-post", 0.90);
        maml.put("accuracy-post-ci95", 0.01);
        Map<String, Double> protonet = new java.util.LinkedHashMap<>();
        protonet.put("accuracy", 0.95);
        protonet.put("accuracy-ci95", 0.02);
        SuiteTable t = SuiteTable.of(plan, List.of(
                new RunOutcome(plan.runs().get(0), "finished", maml, 1, List.of(new SuiteTable.Column("", "accuracy-post", true))),
                new RunOutcome(plan.runs().get(1), "finished", protonet, 1, List.of(new SuiteTable.Column("", "accuracy", true)))));
        assertEquals(List.of("accuracy"), t.columns().stream().map(SuiteTable.Column::key).toList());
        assertEquals(0.90, t.rows().get(0).mean()[0], 0.0);
        assertEquals(0.01, t.rows().get(0).ci95()[0], 0.0);
        assertEquals(2.0, t.rows().get(0).meanRank(), 0.0, "ranked against protonet on the same quantity");
        assertEquals(1.0, t.rows().get(1).meanRank(), 0.0);
        // gradient meta-learners alone keep their own name
        SuiteTable alone = SuiteTable.of(plan, List.of(new RunOutcome(plan.runs().get(0), "finished", maml, 1,
                List.of(new SuiteTable.Column("", "accuracy-post", true)))));
        assertEquals(List.of("accuracy-post"), alone.columns().stream().map(SuiteTable.Column::key).toList());
    }

    @Test
    void directionsComeFromTheRunsNotFromMetricNames() {
        SuitePlan plan = plan();
        List<RunOutcome> out = new ArrayList<>();
        out.add(dense(plan.runs().get(0), 0.40, 0.60));
        out.add(dense(plan.runs().get(1), 0.40, 0.60));
        out.add(dense(plan.runs().get(2), 0.44, 0.66));
        out.add(dense(plan.runs().get(3), 0.44, 0.66));
        for (int i = 4; i < 8; i++) {
            out.add(dense(plan.runs().get(i), 0.40, 0.60));
        }
        SuiteTable t = SuiteTable.of(plan, out);
        assertEquals(List.of("left/miou", "right/abs-error"), t.columns().stream().map(SuiteTable.Column::key).toList(),
                "only each task's headline metric is a column");
        // b: mIoU 10 % up (better, -10) and the error 10 % up (worse, +10): delta 0
        assertEquals(0, t.rows().get(1).deltaMean(), 1e-9);
        // the legacy rule would have called miou lower-is-better: a +10 % gain would count as worse
        assertTrue(t.columns().get(0).higherIsBetter());
        assertTrue(!t.columns().get(1).higherIsBetter());
    }

    @Test
    void planExpandsMethodsSeedsAndBaselines() {
        SuitePlan plan = SuitePlan.of(ConfigFactory.parseString("""
                suite {
                  name = t, seeds = [3, 4], methods = [ls, famo], single-task = [left]
                  method-overrides { famo { weighting.gamma = 0.001 } }
                }"""));
        assertEquals(6, plan.runs().size());
        SuitePlan.Run famo = plan.runs().get(2);
        assertEquals("famo/seed-3", famo.folder());
        assertEquals(0.001, famo.overrides().getDouble("weighting.gamma"), 0);
        assertEquals("famo", famo.overrides().getString("weighting.type"));
        assertEquals(3, famo.overrides().getLong("experiment.seed"));
        SuitePlan.Run stl = plan.runs().get(4);
        assertEquals("stl-left", stl.label());
        assertEquals(List.of("left"), stl.overrides().getStringList("experiment.tasks"));
        assertEquals(List.of("ls", "famo"), plan.methodLabels());
    }

    @Test
    void badSuiteSectionsAreReported() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.meta4j.runtime.config.ConfigError.class,
                () -> SuitePlan.of(ConfigFactory.parseString("suite { methds = [ls] }")));
        assertTrue(e.getMessage().contains("did you mean 'methods'?"), e.getMessage());
    }
}
