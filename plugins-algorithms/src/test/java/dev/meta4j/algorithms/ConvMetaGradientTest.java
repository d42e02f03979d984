package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.FiniteDifferences;
import dev.meta4j.runtime.testing.PluginTestKit;
import dev.meta4j.runtime.testing.TestComponents;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * Second-order MAML where oneDNN's convolution double backward read memory it never wrote (an
     * AVX-512 EPYC, DESIGN.md): Conv4 with 64 filters on 28×28 images, 3-way 9-shot support sets
     * (27 images, about a 5-way 5-shot one's 25), task-batched, under junk fill. The float32
     * meta-gradient agrees with float64's; it was NaN there while the support passes ran on oneDNN
     * (and right at 15 images).
     */
    @Test
    void secondOrderFloat32MetaGradientAgreesWithFloat64On28PixelSupportSetsOf27() {
        String algo = "inner-steps = 2, meta-batch = 2, inner-lr = 0.4, batched = true";
        String model = "channels = 64, blocks = 2, head = linear";
        double[][] grads = new double[2][];
        Params init = null;
        dev.meta4j.runtime.engine.CpuAllocator.setJunkFill(true);
        try {
            for (PluginTestKit k : new PluginTestKit[] {kit, kit32}) {
                GradientMetaLearner learner = (GradientMetaLearner) k.create(PluginKind.ALGORITHM, "maml", algo,
                        Algorithm.class);
                Backbone conv4 = k.create(PluginKind.MODEL, "conv4", model, Backbone.class);
                Optimizer adam = k.create(PluginKind.OPTIMIZER, "adam", "", Optimizer.class);
                TaskSource source = PatchEpisodes.of(3, 3, 9, k.dataType(), 28);
                learner.init(new TestComponents(source, conv4, adam, null));
                try (NDManager m = k.manager().newSubManager()) {
                    if (init == null) {
                        init = learner.parameters();
                    }
                    List<NDArray> same = new ArrayList<>();
                    for (NDArray a : init.arrays()) {
                        NDArray c = a.toType(k.dataType(), true).duplicate();
                        c.setRequiresGradient(true);
                        same.add(c);
                    }
                    TaskBatch batch = source.sample(2, new Rng(13), m);
                    grads[grads[0] == null ? 0 : 1] = FiniteDifferences.flatten(
                            learner.metaGradient(init.withArrays(same), batch, 2).gradients());
                }
            }
        } finally {
            dev.meta4j.runtime.engine.CpuAllocator.setJunkFill(false);
        }
        assertTrue(java.util.Arrays.stream(grads[1]).allMatch(Double::isFinite), "the float32 meta-gradient is not finite");
        double err = FiniteDifferences.relativeError(grads[1], grads[0]);
        assertTrue(err < 1e-3, "float32 vs float64 meta-gradient: relative difference " + err);
    }

    // ---- MAML++ ----

    private static final String MAMLPP = "meta-batch = 2, inner-lr = 0.4, iterations-per-epoch = 1, msl-epochs = 4,"
            + " ensemble-top-k = 0, ";

    /** Epoch 2 of 10 (one meta-step an epoch): the MSL weights are 1/6, 1/6, 2/3 at three steps. */
    private static final TrainingClock EPOCH_2 = new TrainingClock(2, 10, 1);

    @ParameterizedTest(name = "mamlpp, {0} inner step(s), batched={1}, model bn-mode {2}")
    @CsvSource({"1, true, transductive", "3, true, transductive", "3, false, transductive", "3, true, inductive"})
    void mamlppMetaGradientWithMslLslrAndPerStepBatchNormMatchesFiniteDifferences(int innerSteps, boolean batched,
            String bnMode) {
        GradientMetaLearner learner = learner("mamlpp", MAMLPP + "inner-steps = " + innerSteps + ", batched = "
                + batched, CONV + ", bn-mode = " + bnMode);
        Params params = learner.parameters();
        // per-step batch norm (BNWB, and BNRS under inductive), LSLR rates per adapted array and step
        assertTrue(params.contains("encoder.block1.bn.weight@" + (innerSteps - 1))
                && !params.contains("encoder.block1.bn.weight"), params.names().toString());
        assertTrue(params.contains("lr.encoder.block1.conv.weight@" + (innerSteps - 1))
                && !params.contains("lr.encoder.block1.bn.weight@0@0"), params.names().toString());
        assertEquals(bnMode.equals("inductive"), params.contains("encoder.block2.bn.running-var@" + (innerSteps - 1)));
        try (NDManager m = kit.manager().newSubManager()) {
            TaskBatch batch = PatchEpisodes.of(3, 3, 1, DataType.FLOAT64).sample(2, new Rng(11), m);
            // with buffers the finite differences see them too (a training pass never reads them)
            Params trained = params.trainable();
            double[] analytic = FiniteDifferences.flatten(learner.metaGradient(params, batch, innerSteps, EPOCH_2)
                    .gradients());
            if (bnMode.equals("transductive")) {
                // a batch norm with batch statistics cancels the conv bias before it, and so its rates' gradient
                MetaGradientCheck.assertMatches(learner, batch, innerSteps, EPOCH_2, m, n -> n.contains("conv.bias"));
            } else {
                double[] numeric = FiniteDifferences.gradient(p -> learner.metaGradient(
                        p.concat(params.buffers()), batch, innerSteps, EPOCH_2).queryLoss().getDouble(), trained,
                        1e-6, m);
                double err = FiniteDifferences.relativeError(analytic, numeric);
                assertTrue(err < 1e-5, "relative error " + err);
            }
            // MSL matters: the same point past msl-epochs weighs the last step alone
            if (innerSteps > 1) {
                double[] last = FiniteDifferences.flatten(learner.metaGradient(params, batch, innerSteps,
                        new TrainingClock(5, 10, 1)).gradients());
                assertTrue(FiniteDifferences.relativeError(analytic, last) > 1e-3, "the multi-step loss changes nothing");
            }
        }
    }

    /**
     * The task-batched MAML++ meta-gradient (MSL, LSLR, per-step batch norm, second order) equals
     * the task-by-task one in float64 and in float32, where the grouped CPU kernels run.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"float64", "float32"})
    void mamlppTaskBatchedMetaGradientEqualsTaskByTask(String type) {
        PluginTestKit k = type.equals("float64") ? kit : kit32;
        double tolerance = type.equals("float64") ? 1e-12 : 1e-4;
        String algo = "meta-batch = 4, inner-lr = 0.1, iterations-per-epoch = 1, msl-epochs = 10, ensemble-top-k = 0,"
                + " inner-steps = 5, batched = ";
        GradientMetaLearner batched = learner(k, "mamlpp", algo + "true", CONV);
        GradientMetaLearner serial = learner(k, "mamlpp", algo + "false", CONV);
        try (NDManager m = k.manager().newSubManager()) {
            TaskBatch batch = PatchEpisodes.of(3, 3, 1, k.dataType()).sample(4, new Rng(12), m);
            var a = batched.metaGradient(batched.parameters(), batch, 5, EPOCH_2);
            var b = serial.metaGradient(batched.parameters(), batch, 5, EPOCH_2);
            double[] ga = FiniteDifferences.flatten(a.gradients());
            double err = FiniteDifferences.relativeError(ga, FiniteDifferences.flatten(b.gradients()));
            assertTrue(java.util.Arrays.stream(ga).allMatch(Double::isFinite), "a batched gradient is not finite");
            assertTrue(err < tolerance, "relative difference " + err);
        }
    }

    @Test
    void mamlppMultiStepLossWeightsFollowTheOfficialAnnealing() {
        // get_per_step_loss_importance_vector, by hand: N = 5, E = 10
        assertArrayEquals(new double[] {0.2, 0.2, 0.2, 0.2, 0.2}, Mamlpp.importance(5, 0, 10), 1e-15);
        assertArrayEquals(new double[] {0.14, 0.14, 0.14, 0.14, 0.44}, Mamlpp.importance(5, 3, 10), 1e-15);
        assertArrayEquals(new double[] {0.02, 0.02, 0.02, 0.02, 0.92}, Mamlpp.importance(5, 9, 10), 1e-15);
        // the floor 0.03/N and the cap 1 - (N-1)·0.03/N
        assertArrayEquals(new double[] {0.006, 0.006, 0.006, 0.006, 0.976}, Mamlpp.importance(5, 20, 10), 1e-15);
        assertArrayEquals(new double[] {1.0}, Mamlpp.importance(1, 3, 10), 1e-15);
    }

    @Test
    void mamlppIsFirstOrderUpToTheAnnealingEpoch() {
        String algo = MAMLPP + "inner-steps = 2, msl = false, first-order-to-second-order-epoch = 3";
        GradientMetaLearner annealed = learner("mamlpp", algo, CONV);
        GradientMetaLearner firstOrder = learner("mamlpp", algo + ", first-order = true", CONV);
        try (NDManager m = kit.manager().newSubManager()) {
            TaskBatch batch = PatchEpisodes.of(3, 3, 1, DataType.FLOAT64).sample(2, new Rng(13), m);
            Params p = annealed.parameters();
            for (long epoch : new long[] {0, 3, 4}) {
                TrainingClock clock = new TrainingClock(epoch, 10, 1);
                double[] a = FiniteDifferences.flatten(annealed.metaGradient(p, batch, 2, clock).gradients());
                double[] f = FiniteDifferences.flatten(firstOrder.metaGradient(p, batch, 2, clock).gradients());
                double err = FiniteDifferences.relativeError(a, f);
                assertTrue(epoch <= 3 ? err < 1e-12 : err > 1e-4, "epoch " + epoch + ": difference " + err);
            }
        }
    }

    @Test
    void mamlppRefusesSettingsThatCannotWork() {
        IllegalArgumentException evalSteps = assertThrows(IllegalArgumentException.class,
                () -> learner("mamlpp", MAMLPP + "inner-steps = 2, eval-steps = 3", CONV));
        assertTrue(evalSteps.getMessage().contains("algorithm.eval-steps"), evalSteps.getMessage());
        IllegalArgumentException inductive = assertThrows(IllegalArgumentException.class,
                () -> learner("mamlpp", MAMLPP + "bn-mode = inductive", CONV));
        assertTrue(inductive.getMessage().contains("model.bn-mode = inductive"), inductive.getMessage());
        IllegalArgumentException adaptBn = assertThrows(IllegalArgumentException.class,
                () -> learner("mamlpp", MAMLPP + "adapt-bn = true", CONV));
        assertTrue(adaptBn.getMessage().contains("per-step-bn-weights = false"), adaptBn.getMessage());
        // a backbone without per-step batch norm
        Algorithm a = kit.create(PluginKind.ALGORITHM, "mamlpp", MAMLPP, Algorithm.class);
        Backbone mlp = kit.create(PluginKind.MODEL, "mlp", "", Backbone.class);
        Optimizer adam = kit.create(PluginKind.OPTIMIZER, "adam", "", Optimizer.class);
        IllegalArgumentException noPerStep = assertThrows(IllegalArgumentException.class,
                () -> a.init(new TestComponents(kit.create(PluginKind.DATASET, "sine", "", Dataset.class), mlp, adam,
                        null)));
        assertTrue(noPerStep.getMessage().contains("per-step-bn-weights = false"), noPerStep.getMessage());
    }

    @Test
    void runningStatisticsAreRefusedWithTheRemedy() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> learner("maml", "meta-batch = 2", CONV + ", bn-mode = inductive"));
        assertTrue(e.getMessage().contains("running-mean") && e.getMessage().contains("bn-mode = transductive"),
                e.getMessage());
    }
}
