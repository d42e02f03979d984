package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.algorithm.Step;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.FiniteDifferences;
import dev.meta4j.runtime.testing.PluginTestKit;
import dev.meta4j.runtime.testing.TestComponents;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MetaOptNet as an algorithm, in float64: the step's loss gradient through a small conv4 and the
 * learnable scale against finite differences (ridge and SVM heads), learning on separable
 * episodes with each head, the label smoothing, evaluation that does not depend on the chunk
 * size, and the checks of its settings.
 */
class MetaOptNetTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 3);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static TaskSource patches() {
        return PatchEpisodes.of(3, 3, 2, DataType.FLOAT64);
    }

    private static MetaOptNet metaoptnet(String algo, String model) {
        MetaOptNet a = (MetaOptNet) kit.create(PluginKind.ALGORITHM, "metaoptnet", algo, Algorithm.class);
        Backbone net = kit.create(PluginKind.MODEL, "conv4", model, Backbone.class);
        Optimizer sgd = kit.create(PluginKind.OPTIMIZER, "sgd", "lr = 0.05, momentum = 0.9, nesterov = true,"
                + " weight-decay = 5e-4", Optimizer.class);
        a.init(new TestComponents(patches(), net, sgd, null));
        return a;
    }

    /**
     * The relative error of the step loss's gradient in the trainable parameters: over every
     * coordinate, or (the SVM, whose solve makes each evaluation dearer) the worst along
     * {@code directions} random directions.
     */
    private static double stepGradientError(String head, int directions) {
        MetaOptNet a = metaoptnet("head = " + head + ", episodes-per-step = 2, scale-init = 0.7, label-smoothing = 0.1",
                "channels = 3, blocks = 2");
        Params p = a.parameters();
        assertTrue(p.contains("scale"));
        try (NDManager m = kit.manager().newSubManager()) {
            TaskBatch batch = patches().sample(2, new Rng(3), m);
            Function<Params, NDArray> loss = q -> MetaOptNet.smoothedCrossEntropy(
                    a.batchLogits(q, batch, 3, Forward.training(new Rng(0))).reshape(-1, 3),
                    batch.queryTargets().reshape(-1), 3, 0.1);
            if (directions == 0) {
                return FiniteDifferences.trainableGradientError(loss, p, kit.autograd(), 1e-6, m);
            }
            assertTrue(!p.hasBuffers(), "transductive conv4 has no buffers");
            double[] analytic;
            try (dev.meta4j.api.autograd.Autograd.Scope rec = kit.autograd().record()) {
                analytic = FiniteDifferences.flatten(kit.autograd().grad(loss.apply(p), p.arrays(),
                        dev.meta4j.api.autograd.GraphMode.RELEASE));
            }
            Rng rng = new Rng(17);
            double worst = 0;
            for (int d = 0; d < directions; d++) {
                double[] dir = new double[analytic.length];
                double along = 0;
                for (int i = 0; i < dir.length; i++) {
                    dir[i] = rng.nextGaussian();
                    along += dir[i] * analytic[i];
                }
                double numeric = FiniteDifferences.directional(q -> loss.apply(q).getDouble(), p, dir, 1e-6, m);
                worst = Math.max(worst, Math.abs(along - numeric) / Math.max(Math.abs(along), Math.abs(numeric)));
            }
            return worst;
        }
    }

    @Test
    void stepGradientThroughConv4AndTheScaleMatchesFiniteDifferences() {
        double ridge = stepGradientError("ridge", 0);
        double svm = stepGradientError("svm", 6);
        System.out.println("metaoptnet step gradient, relative error: ridge " + ridge + ", svm " + svm);
        assertTrue(ridge < 1e-6, "ridge: relative error " + ridge);
        assertTrue(svm < 1e-5, "svm: relative error " + svm);
    }

    private static double trainAndTest(MetaOptNet a, int steps) {
        double loss = Double.NaN;
        for (int s = 0; s < steps; s++) {
            try (NDManager m = kit.manager().newSubManager()) {
                a.parameters().tempAttach(m);
                loss = a.trainStep(new Step(new TrainingClock(s, steps, 1000), 0.05, m)).get("loss").orElseThrow();
            }
        }
        assertTrue(Double.isFinite(loss));
        try (NDManager m = kit.manager().newSubManager()) {
            a.parameters().tempAttach(m);
            return a.evaluate(Split.TEST, m).metrics().get("accuracy").orElseThrow();
        }
    }

    @Test
    void everyHeadLearnsSeparableClassesAndTrainsTheScale() {
        for (String head : new String[] {"svm", "ridge", "protonet"}) {
            MetaOptNet a = metaoptnet("head = " + head + ", episodes-per-step = 2, test-episodes = 30, label-smoothing = 0.1",
                    "channels = 8, blocks = 2, bn-mode = inductive");
            double acc = trainAndTest(a, 40);
            double scale = a.parameters().get("scale").getDouble(0);
            System.out.println("metaoptnet " + head + ": 3-way accuracy " + acc + ", scale " + scale);
            assertTrue(acc > 0.9, head + ": 3-way accuracy " + acc);
            assertNotEquals(1.0, scale, head + ": the scale is trained");
        }
    }

    @Test
    void evaluationDoesNotDependOnTheChunkSize() {
        MetaOptNet one = metaoptnet("test-episodes = 9, eval-chunk = 1", "channels = 4, blocks = 2");
        MetaOptNet four = metaoptnet("test-episodes = 9, eval-chunk = 4", "channels = 4, blocks = 2");
        for (int i = 0; i < one.parameters().size(); i++) {
            four.parameters().arrays().get(i).set(one.parameters().arrays().get(i).toByteBuffer());
        }
        Metrics a = one.evaluate(Split.TEST, kit.manager()).metrics();
        Metrics b = four.evaluate(Split.TEST, kit.manager()).metrics();
        assertEquals(a.get("accuracy").orElseThrow(), b.get("accuracy").orElseThrow(), 1e-12);
        assertEquals(a.get("loss").orElseThrow(), b.get("loss").orElseThrow(), 1e-9);
        assertEquals(9.0, a.get("episodes").orElseThrow());
    }

    @Test
    void labelSmoothingIsTheOfficialCodes() {
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray logits = m.create(new double[] {1.0, -0.5, 2.0, 0.3, 0.0, -1.0}, new ai.djl.ndarray.types.Shape(2, 3));
            NDArray labels = m.create(new long[] {2, 0});
            double eps = 0.2;
            double expected = 0;
            double[] z = logits.toDoubleArray();
            long[] y = {2, 0};
            for (int r = 0; r < 2; r++) {
                double lse = Math.log(Math.exp(z[3 * r]) + Math.exp(z[3 * r + 1]) + Math.exp(z[3 * r + 2]));
                for (int c = 0; c < 3; c++) {
                    double target = c == y[r] ? 1 - eps : eps / 2;
                    expected -= target * (z[3 * r + c] - lse) / 2;
                }
            }
            assertEquals(expected, MetaOptNet.smoothedCrossEntropy(logits, labels, 3, eps).getDouble(), 1e-12);
        }
    }

    @Test
    void withoutTheScaleOnlyTheModelIsTrained() {
        MetaOptNet a = metaoptnet("learn-scale = false", "channels = 3, blocks = 2");
        assertTrue(!a.parameters().contains("scale"));
        assertEquals(1000, a.stepsPerEpoch().orElseThrow());
    }

    @Test
    void aModelWithHeadsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> metaoptnet("", "channels = 3, blocks = 2, head = linear"));
        assertTrue(e.getMessage().contains("metaoptnet") && e.getMessage().contains("model.head = none"), e.getMessage());
    }
}
