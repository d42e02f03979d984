package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.FiniteDifferences;
import dev.meta4j.runtime.testing.PluginTestKit;
import dev.meta4j.runtime.testing.TestComponents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MAML's and its family's meta-gradients through Conv4 with (transductive) batch norm, on image
 * episodes, against float64 central finite differences: the whole gradient, task-batched (the
 * meta-batch folded into grouped convolutions) and task by task; and the two against each other.
 */
class ConvMetaGradientTest {

    private static PluginTestKit kit;
    private static PluginTestKit kit32;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 7);
        kit32 = PluginTestKit.open(DataType.FLOAT32, 7);
    }

    @AfterAll
    static void close() {
        kit.close();
        kit32.close();
    }

    private static final String CONV = "channels = 3, blocks = 2, head = linear";

    private static GradientMetaLearner learner(String name, String algo, String model) {
        return learner(kit, name, algo, model);
    }

    private static GradientMetaLearner learner(PluginTestKit k, String name, String algo, String model) {
        GradientMetaLearner learner = (GradientMetaLearner) k.create(PluginKind.ALGORITHM, name, algo,
                Algorithm.class);
        Backbone conv4 = k.create(PluginKind.MODEL, "conv4", model, Backbone.class);
        Optimizer adam = k.create(PluginKind.OPTIMIZER, "adam", "", Optimizer.class);
        learner.init(new TestComponents(PatchEpisodes.of(3, 3, 1, k.dataType()), conv4, adam, null));
        return learner;
    }

    private static String rate(String algorithm) {
        return algorithm.equals("metasgd") ? "lr-init = 0.4" : "inner-lr = 0.4";
    }

    @ParameterizedTest(name = "{0}, {1} inner step(s), downsample {2}, batched={3}")
    @CsvSource({"maml, 1, max-pool, true", "maml, 3, max-pool, true", "maml, 1, max-pool, false",
        "maml, 3, max-pool, false", "maml, 3, stride, true", "anil, 3, max-pool, true", "metasgd, 3, max-pool, true"})
    void secondOrderMetaGradientMatchesFiniteDifferences(String algorithm, int innerSteps, String downsample,
            boolean batched) {
        GradientMetaLearner learner = learner(algorithm, "inner-steps = " + innerSteps + ", meta-batch = 2, "
                + rate(algorithm) + ", batched = " + batched, CONV + ", downsample = " + downsample);
        try (NDManager m = kit.manager().newSubManager()) {
            TaskSource source = PatchEpisodes.of(3, 3, 1, DataType.FLOAT64);
            TaskBatch batch = source.sample(2, new Rng(11), m);
            // a batch norm with batch statistics cancels the bias before it exactly
            double[] analytic = MetaGradientCheck.assertMatches(learner, batch, innerSteps, m,
                    name -> name.endsWith("conv.bias"));
            Params init = learner.parameters();
            // the adaptation must matter: the meta-gradient is not the plain query gradient
            double[] plain = FiniteDifferences.flatten(learner.metaGradient(init, batch, 0).gradients());
            assertTrue(FiniteDifferences.relativeError(analytic, plain) > 1e-3, "inner steps change nothing");
        }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"float64", "float32"})
    void taskBatchedMetaGradientEqualsTaskByTask(String type) {
        PluginTestKit k = type.equals("float64") ? kit : kit32;
        double tolerance = type.equals("float64") ? 1e-12 : 1e-4;
        for (int steps : new int[] {1, 3}) {
            GradientMetaLearner batched = learner(k, "maml", "inner-steps = " + steps + ", meta-batch = 4, inner-lr = 0.4,"
                    + " batched = true", CONV);
            GradientMetaLearner serial = learner(k, "maml", "inner-steps = " + steps + ", meta-batch = 4, inner-lr = 0.4,"
                    + " batched = false", CONV);
            try (NDManager m = k.manager().newSubManager()) {
                TaskBatch batch = PatchEpisodes.of(3, 3, 1, k.dataType()).sample(4, new Rng(12), m);
                var a = batched.metaGradient(batched.parameters(), batch, steps);
                var b = serial.metaGradient(batched.parameters(), batch, steps);
                double err = FiniteDifferences.relativeError(FiniteDifferences.flatten(a.gradients()),
                        FiniteDifferences.flatten(b.gradients()));
                assertTrue(err < tolerance, steps + " steps: relative difference " + err);
                double la = a.queryLoss().toType(DataType.FLOAT64, false).getDouble();
                double lb = b.queryLoss().toType(DataType.FLOAT64, false).getDouble();
                assertTrue(Math.abs(la - lb) < tolerance * Math.abs(lb), la + " vs " + lb);
            }
        }
    }


    @Test
    void runningStatisticsAreRefusedWithTheRemedy() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> learner("maml", "meta-batch = 2", CONV + ", bn-mode = inductive"));
        assertTrue(e.getMessage().contains("running-mean") && e.getMessage().contains("bn-mode = transductive"),
                e.getMessage());
    }
}
