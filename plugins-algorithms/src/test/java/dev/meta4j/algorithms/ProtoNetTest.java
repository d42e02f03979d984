package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.algorithm.Step;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.DataSpec;
import java.util.List;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.FiniteDifferences;
import dev.meta4j.runtime.testing.PluginTestKit;
import dev.meta4j.runtime.testing.TestComponents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Prototypical Networks: the logits against their definition, the loss gradient against float64
 * finite differences (on the embeddings, and through a small conv4 with batch norm in training
 * mode), learning on separable episodes, and evaluations that do not depend on the chunk size.
 */
class ProtoNetTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 3);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static double[] gaussian(Rng rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }

    private static NDArray leaf(NDManager m, double[] v, Shape s) {
        NDArray a = m.create(v, s);
        a.setRequiresGradient(true);
        return a;
    }

    /** 3 ways, 2 shots in a shuffled order, 4 queries, 5-dimensional embeddings. */
    private static final long[] SUPPORT_LABELS = {2, 0, 1, 1, 0, 2};
    private static final long[] QUERY_LABELS = {0, 2, 1, 1};

    @Test
    void logitsAreNegativeSquaredDistancesToClassMeans() {
        Rng rng = new Rng(1);
        double[] zs = gaussian(rng, 6 * 5);
        double[] zq = gaussian(rng, 4 * 5);
        try (NDManager m = kit.manager().newSubManager()) {
            double[] got = ProtoNet.logits(m.create(zs, new Shape(6, 5)), m.create(SUPPORT_LABELS),
                    m.create(zq, new Shape(4, 5)), 3).toDoubleArray();
            assertEquals(12, got.length);
            for (int q = 0; q < 4; q++) {
                for (int c = 0; c < 3; c++) {
                    double d = 0;
                    for (int k = 0; k < 5; k++) {
                        double proto = 0;
                        for (int s = 0; s < 6; s++) {
                            proto += SUPPORT_LABELS[s] == c ? zs[s * 5 + k] / 2 : 0;
                        }
                        d += (zq[q * 5 + k] - proto) * (zq[q * 5 + k] - proto);
                    }
                    assertEquals(-d, got[q * 3 + c], 1e-12, "query " + q + ", class " + c);
                }
            }
            // With a leading task dimension every episode is computed on its own.
            NDArray s2 = m.create(zs, new Shape(6, 5)).stack(m.create(zs, new Shape(6, 5)).mul(2), 0);
            NDArray y2 = m.create(SUPPORT_LABELS).stack(m.create(SUPPORT_LABELS), 0);
            NDArray q2 = m.create(zq, new Shape(4, 5)).stack(m.create(zq, new Shape(4, 5)).mul(2), 0);
            NDArray batched = ProtoNet.logits(s2, y2, q2, 3);
            assertEquals(new Shape(2, 4, 3), batched.getShape());
            assertArrayEquals(got, batched.get(0).toDoubleArray(), 1e-12);
            double[] scaled = batched.get(1).toDoubleArray();
            for (int i = 0; i < 12; i++) {
                assertEquals(4 * got[i], scaled[i], 1e-10, "distances scale with the square of the embedding");
            }
        }
    }

    @Test
    void lossGradientWithRespectToTheEmbeddingsMatchesFiniteDifferences() {
        Rng rng = new Rng(2);
        ClassificationTask task = new ClassificationTask("class", 3);
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = Params.builder()
                    .add("support", leaf(m, gaussian(rng, 30), new Shape(6, 5)))
                    .add("query", leaf(m, gaussian(rng, 20), new Shape(4, 5)))
                    .build();
            java.util.function.Function<Params, NDArray> loss = q -> {
                NDManager qm = q.get("support").getManager();
                NDArray logits = ProtoNet.logits(q.get("support"), qm.create(SUPPORT_LABELS), q.get("query"), 3);
                return task.loss(logits, Targets.of(qm.create(QUERY_LABELS)));
            };
            double[] analytic;
            try (Autograd.Scope rec = kit.autograd().record()) {
                analytic = FiniteDifferences.flatten(kit.autograd().grad(loss.apply(p), p.arrays(), GraphMode.RELEASE));
            }
            double[] numeric = FiniteDifferences.gradient(q -> loss.apply(q).getDouble(), p, 1e-6, m);
            double err = FiniteDifferences.relativeError(analytic, numeric);
            assertTrue(err < 1e-8, "relative error " + err);
        }
    }

    // ---- the algorithm on a synthetic image collection ----

    /** The test's dataset: {@link PatchEpisodes}, 5-way training episodes. */
    private static TaskSource patchEpisodes(int ways, int shots) {
        return PatchEpisodes.of(5, ways, shots, DataType.FLOAT64);
    }

    private static ProtoNet protonet(String algo, String model) {
        return protonet(algo, kit.create(PluginKind.MODEL, "conv4", model, Backbone.class));
    }

    private static ProtoNet protonet(String algo, Backbone net) {
        ProtoNet p = (ProtoNet) kit.create(PluginKind.ALGORITHM, "protonet", algo, Algorithm.class);
        Optimizer adam = kit.create(PluginKind.OPTIMIZER, "adam", "lr = 0.003", Optimizer.class);
        p.init(new TestComponents(patchEpisodes(3, 2), net, adam, null));
        return p;
    }

    @Test
    void trainingPassesCarryTheStepsClock() {
        Backbone conv4 = kit.create(PluginKind.MODEL, "conv4", "channels = 3, blocks = 2", Backbone.class);
        List<TrainingClock> seen = new java.util.ArrayList<>();
        Backbone recording = new Backbone() {
            @Override
            public Params init(DataSpec spec, Rng rng, NDManager manager, DataType dataType) {
                return conv4.init(spec, rng, manager, dataType);
            }

            @Override
            public NDArray encode(Params params, NDArray input, Forward forward) {
                if (forward.training()) {
                    seen.add(forward.clock());
                }
                return conv4.encode(params, input, forward);
            }

            @Override
            public ai.djl.ndarray.NDList heads(Params params, NDArray representation, Forward forward) {
                return conv4.heads(params, representation, forward);
            }
        };
        ProtoNet pn = protonet("", recording);
        TrainingClock clock = new TrainingClock(7, 60, 0);
        try (NDManager m = kit.manager().newSubManager()) {
            pn.trainStep(new Step(clock, 0.003, m));
        }
        assertTrue(!seen.isEmpty() && seen.stream().allMatch(clock::equals), "clocks seen: " + seen);
    }

    @Test
    void learnsWithATinyResNet12WithDropBlock() {
        // Two blocks on 8x8 images (maps 4 and 2), both with DropBlock of 2x2, ramped over 20 steps.
        Backbone net = kit.create(PluginKind.MODEL, "resnet12",
                "channels = [8, 8], dropblock-size = 2, drop-rate = 0.1, dropblock-warmup-steps = 20", Backbone.class);
        ProtoNet pn = protonet("test-episodes = 30", net);
        for (int s = 0; s < 60; s++) {
            try (NDManager m = kit.manager().newSubManager()) {
                assertTrue(Double.isFinite(pn.trainStep(new Step(new TrainingClock(s, 60, 0), 0.003, m)).get("loss")
                        .orElseThrow()));
            }
        }
        double acc = pn.evaluate(Split.TEST, kit.manager()).metrics().get("accuracy").orElseThrow();
        assertTrue(acc > 0.8, "3-way accuracy " + acc);
    }

    @Test
    void episodeLossGradientThroughConv4WithBatchNormMatchesFiniteDifferences() {
        ProtoNet pn = protonet("", "channels = 3, blocks = 2");
        Params p = pn.parameters();
        ClassificationTask task = new ClassificationTask("class", 5);
        try (NDManager m = kit.manager().newSubManager()) {
            TaskBatch e = patchEpisodes(3, 2).sample(1, new Rng(5), m).episode(0);
            java.util.function.Function<Params, NDArray> loss = q -> task.loss(
                    pn.episodeLogits(q, e, 5, Forward.training(new Rng(0))), Targets.of(e.queryTargets()));
            double err = FiniteDifferences.trainableGradientError(loss, p, kit.autograd(), 1e-6, m);
            assertTrue(err < 1e-6, "relative error " + err);
        }
    }

    @Test
    void learnsSeparableClassesAndEvaluatesTheSameInAnyChunkSize() {
        ProtoNet pn = protonet("test-episodes = 30, eval-chunk = 1", "channels = 8, blocks = 2, bn-mode = inductive");
        Metrics start = pn.evaluate(Split.TEST, kit.manager()).metrics();
        String runningMean = "encoder.block1.bn.running-mean";
        double[] rm0 = pn.parameters().get(runningMean).toDoubleArray();
        double loss = 0;
        for (int s = 0; s < 60; s++) {
            try (NDManager m = kit.manager().newSubManager()) {
                Metrics out = pn.trainStep(new Step(new TrainingClock(s, 60, 0), 0.003, m));
                loss = out.get("loss").orElseThrow();
            }
        }
        assertTrue(Double.isFinite(loss));
        assertTrue(!java.util.Arrays.equals(rm0, pn.parameters().get(runningMean).toDoubleArray()),
                "training updates the running statistics");
        Metrics after = pn.evaluate(Split.TEST, kit.manager()).metrics();
        double acc = after.get("accuracy").orElseThrow();
        assertTrue(acc > 0.9, "3-way accuracy " + acc);
        double lossBefore = start.get("loss").orElseThrow();
        double lossAfter = after.get("loss").orElseThrow();
        assertTrue(lossAfter < 0.5 * lossBefore, "held-out query loss " + lossBefore + " -> " + lossAfter);
        assertTrue(after.get("accuracy-ci95").orElseThrow() >= 0);
        double[] rm1 = pn.parameters().get(runningMean).toDoubleArray();
        assertArrayEquals(rm1, pn.parameters().get(runningMean).toDoubleArray());

        // The same parameters, evaluated in chunks of 7 episodes.
        ProtoNet chunked = protonet("test-episodes = 30, eval-chunk = 7", "channels = 8, blocks = 2, bn-mode = inductive");
        for (int i = 0; i < pn.parameters().size(); i++) {
            chunked.parameters().arrays().get(i).set(pn.parameters().arrays().get(i).toByteBuffer());
        }
        Metrics other = chunked.evaluate(Split.TEST, kit.manager()).metrics();
        assertEquals(acc, other.get("accuracy").orElseThrow(), 1e-12);
        assertEquals(after.get("loss").orElseThrow(), other.get("loss").orElseThrow(), 1e-9);
        assertArrayEquals(rm1, pn.parameters().get(runningMean).toDoubleArray(), "evaluation leaves the statistics");
    }

    @Test
    void aModelWithHeadsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> protonet("", "channels = 3, blocks = 2, head = linear"));
        assertTrue(e.getMessage().contains("model.head = none"), e.getMessage());
    }

    @Test
    void transductiveBatchNormNormalisesEachEpisodeOnItsOwnWhateverTheChunk() {
        ProtoNet one = protonet("test-episodes = 12, eval-chunk = 1", "channels = 8, blocks = 2");
        ProtoNet five = protonet("test-episodes = 12, eval-chunk = 5", "channels = 8, blocks = 2");
        assertTrue(!one.parameters().hasBuffers(), "conv4's default batch norm is transductive");
        for (int i = 0; i < one.parameters().size(); i++) {
            five.parameters().arrays().get(i).set(one.parameters().arrays().get(i).toByteBuffer());
        }
        Metrics a = one.evaluate(Split.TEST, kit.manager()).metrics();
        Metrics b = five.evaluate(Split.TEST, kit.manager()).metrics();
        assertEquals(a.get("accuracy").orElseThrow(), b.get("accuracy").orElseThrow(), 1e-12);
        assertEquals(a.get("loss").orElseThrow(), b.get("loss").orElseThrow(), 1e-9);
    }
}
