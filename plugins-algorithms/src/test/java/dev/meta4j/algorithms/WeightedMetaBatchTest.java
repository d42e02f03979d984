package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.FiniteDifferences;
import dev.meta4j.runtime.testing.PluginTestKit;
import dev.meta4j.runtime.testing.TestComponents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A weighting method combining the per-task meta-gradients of a meta-batch (float64). The rows it
 * receives must be each task's own second-order meta-gradient: checked against the meta-gradient
 * of that task alone, computed without task batching, divided by the meta-batch size. LS (unit
 * weights) must give plain MAML's mean.
 */
class WeightedMetaBatchTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 7);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    /** Takes task {@code pick}'s meta-gradient alone: shows which row is which task's. */
    private record OneRow(int pick) implements WeightingMethod {
        @Override
        public Need need(long step) {
            return Need.SHARED_GRADIENTS;
        }

        @Override
        public Combination combine(TaskSignals s) {
            return new Combination.SharedGradient(s.sharedGradients().get(pick), s.losses().onesLike(), null);
        }
    }

    private static GradientMetaLearner learner(String name, String algo, WeightingMethod weighting) {
        GradientMetaLearner l = (GradientMetaLearner) kit.create(PluginKind.ALGORITHM, name, algo, Algorithm.class);
        Dataset sine = kit.create(PluginKind.DATASET, "sine", "", Dataset.class);
        Backbone mlp = kit.create(PluginKind.MODEL, "mlp", "hidden = [10, 10], activation = tanh", Backbone.class);
        Optimizer adam = kit.create(PluginKind.OPTIMIZER, "adam", "", Optimizer.class);
        l.init(new TestComponents(sine, mlp, adam, weighting));
        return l;
    }

    @ParameterizedTest(name = "{0}, {1} inner step(s), row {2}")
    @CsvSource({"maml, 1, 0", "maml, 3, 2", "anil, 2, 1", "metasgd, 2, 3"})
    void eachRowIsThatTasksOwnMetaGradient(String algorithm, int steps, int row) {
        String algo = "meta-batch = 4, inner-steps = " + steps;
        GradientMetaLearner weighted = learner(algorithm, algo, new OneRow(row));
        GradientMetaLearner plain = learner(algorithm, algo + ", batched = false", null);
        try (NDManager m = kit.manager().newSubManager()) {
            TaskSource source = (TaskSource) kit.create(PluginKind.DATASET, "sine", "", Dataset.class);
            TaskBatch batch = source.sample(4, new Rng(21), m);
            var combined = weighted.weightedMetaGradient(batch, new TrainingClock(0, 10, 0), m);
            double[] got = FiniteDifferences.flatten(combined.gradients());
            // the model part: task `row` alone, through the unbatched path
            double[] alone = FiniteDifferences.flatten(plain.metaGradient(weighted.parameters(),
                    batch.slice(row, row + 1), steps).gradients());
            for (int i = 0; i < alone.length; i++) {
                alone[i] /= 4; // the combination is divided by the meta-batch size
            }
            int modelElements = (int) weighted.model().elementCount();
            double[] gotModel = java.util.Arrays.copyOf(got, modelElements);
            double[] aloneModel = java.util.Arrays.copyOf(alone, modelElements);
            double err = FiniteDifferences.relativeError(gotModel, aloneModel);
            assertTrue(err < 1e-10, "row " + row + " is not task " + row + "'s meta-gradient: relative error " + err);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"maml", "metasgd"})
    void linearScalarizationIsPlainMaml(String algorithm) {
        WeightingMethod ls = kit.create(PluginKind.WEIGHTING, "ls", "", WeightingMethod.class);
        GradientMetaLearner weighted = learner(algorithm, "meta-batch = 5, inner-steps = 2", ls);
        try (NDManager m = kit.manager().newSubManager()) {
            TaskSource source = (TaskSource) kit.create(PluginKind.DATASET, "sine", "", Dataset.class);
            TaskBatch batch = source.sample(5, new Rng(8), m);
            double[] weightedLs = FiniteDifferences.flatten(
                    weighted.weightedMetaGradient(batch, new TrainingClock(0, 10, 0), m).gradients());
            double[] mean = FiniteDifferences.flatten(weighted.metaGradient(weighted.parameters(), batch, 2).gradients());
            assertEquals(mean.length, weightedLs.length);
            double err = FiniteDifferences.relativeError(weightedLs, mean);
            assertTrue(err < 1e-12, "LS over the meta-batch is not plain MAML's mean meta-gradient: " + err);
        }
    }
}
