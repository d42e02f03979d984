package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Split;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.algorithm.Step;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import dev.meta4j.runtime.testing.TestComponents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MAML++'s top-k validation ensemble and its running statistics, on the small patch episodes: a
 * one-member ensemble is the single model exactly, the pool keeps the best validations and comes
 * back from a checkpoint, and the task-batched meta-batch updates the per-step running statistics.
 */
class MamlppTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT32, 9);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static Algorithm learner(String algo) {
        Algorithm a = kit.create(PluginKind.ALGORITHM, "mamlpp", "inner-steps = 2, inner-lr = 0.4, meta-batch = 3,"
                + " eval-tasks = 6, iterations-per-epoch = 2, msl-epochs = 2, " + algo, Algorithm.class);
        Backbone conv4 = kit.create(PluginKind.MODEL, "conv4", "channels = 4, blocks = 2, head = linear,"
                + " bn-mode = inductive", Backbone.class);
        Optimizer adam = kit.create(PluginKind.OPTIMIZER, "adam", "lr = 0.01", Optimizer.class);
        a.init(new TestComponents(PatchEpisodes.of(3, 3, 1, DataType.FLOAT32), conv4, adam, null));
        return a;
    }

    private static void train(Algorithm a, int from, int to) {
        for (int s = from; s < to; s++) {
            try (NDManager m = kit.manager().newSubManager()) {
                a.parameters().tempAttach(m);
                a.trainStep(new Step(new TrainingClock(s, 20, 2), 0.01, m));
            }
        }
    }

    private static Metrics evaluate(Algorithm a, Split split) {
        try (NDManager m = kit.manager().newSubManager()) {
            a.parameters().tempAttach(m);
            return a.evaluate(split, m).metrics();
        }
    }

    @Test
    void aOneMemberEnsembleIsTheSingleModel() {
        Algorithm a = learner("ensemble-top-k = 1");
        train(a, 0, 4);
        evaluate(a, Split.VALIDATION);
        Metrics test = evaluate(a, Split.TEST);
        assertEquals(test.get("accuracy-post").orElseThrow(), test.get("accuracy-post-ensemble").orElseThrow());
        assertEquals(1.0, test.get("ensemble-size").orElseThrow());
    }

    @Test
    void thePoolKeepsTheBestValidationsAndComesBackFromACheckpoint() {
        Algorithm a = learner("ensemble-top-k = 2");
        for (int round = 0; round < 3; round++) {
            train(a, round * 3, round * 3 + 3);
            evaluate(a, Split.VALIDATION);
        }
        Metrics test = evaluate(a, Split.TEST);
        assertEquals(2.0, test.get("ensemble-size").orElseThrow());
        StateDict state = new StateDict(kit.manager());
        a.saveState(state);
        Algorithm b = learner("ensemble-top-k = 2");
        b.loadState(state);
        // b's own parameters are fresh, so its single model differs; the ensemble is a's
        Metrics restored = evaluate(b, Split.TEST);
        assertEquals(test.get("accuracy-post-ensemble").orElseThrow(),
                restored.get("accuracy-post-ensemble").orElseThrow());
    }

    @Test
    void theTaskBatchedMetaBatchUpdatesThePerStepRunningStatistics() {
        Algorithm a = learner("ensemble-top-k = 0");
        double before = a.parameters().get("encoder.block1.bn.running-mean@1").sum().getFloat();
        double other = a.parameters().get("encoder.block1.bn.running-mean@0").sum().getFloat();
        train(a, 0, 1);
        double after = a.parameters().get("encoder.block1.bn.running-mean@1").sum().getFloat();
        assertNotEquals(before, after, "step 1's running mean did not move");
        assertTrue(a.parameters().get("encoder.block1.bn.running-mean@0").sum().getFloat() != other,
                "step 0's running mean did not move");
        // an evaluation (training-mode passes, bn-mode = transductive) leaves them as they were
        evaluate(a, Split.VALIDATION);
        assertEquals(after, a.parameters().get("encoder.block1.bn.running-mean@1").sum().getFloat());
    }
}
