package dev.meta4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.FiniteDifferences;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Batch norm (train-mode gradients against float64 finite differences, running statistics,
 * evaluation with running statistics) and the Conv4 backbone (shapes, names, buffers, heads,
 * task-batched passes, gradients).
 */
class Conv4Test {

    private static final DataSpec OMNIGLOT_LIKE = new DataSpec(new long[] {1, 28, 28},
            List.of(new ClassificationTask("y", 5)));

    private static PluginTestKit kit;
    private static PluginTestKit kit32;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 1);
        kit32 = PluginTestKit.open(DataType.FLOAT32, 1);
    }

    @AfterAll
    static void close() {
        kit.close();
        kit32.close();
    }

    private static Conv4 model(PluginTestKit k, String overrides) {
        return (Conv4) k.create(PluginKind.MODEL, "conv4", overrides, Backbone.class);
    }

    private static double[] gaussian(Rng rng, int n, double scale, double shift) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = shift + scale * rng.nextGaussian();
        }
        return v;
    }

    private static NDArray leaf(NDManager m, double[] v, Shape s) {
        NDArray a = m.create(v, s);
        a.setRequiresGradient(true);
        return a;
    }

    // ---- batch norm ----

    /** x [N, C, H, W] as a trained entry, so the check covers the gradient through the batch statistics. */
    private static Params bnParams(NDManager m, Rng rng, int n, int c, int hw) {
        Params.Builder b = Params.builder()
                .add("x", leaf(m, gaussian(rng, n * c * hw * hw, 2.0, 0.5), new Shape(n, c, hw, hw)));
        Params.Builder layer = Params.builder();
        new BatchNorm("bn", 0.1, 1e-5, false, kit.autograd()).declare(layer, Params.ENCODER, c, m, DataType.FLOAT64);
        Params declared = layer.build();
        // Move scale and shift away from (1, 0) so that their gradients are not special.
        b.add("bn.weight", leaf(m, gaussian(rng, c, 0.5, 1.0), new Shape(c)));
        b.add("bn.bias", leaf(m, gaussian(rng, c, 0.5, 0.0), new Shape(c)));
        b.addAll(declared.buffers());
        return b.build();
    }

    private static NDArray bnLoss(BatchNorm bn, Params p, NDArray r) {
        NDArray y = bn.apply(p, p.get("x"), Forward.training(new Rng(0)));
        return y.mul(r).sum().add(y.square().mul(r).sum());
    }

    @Test
    void batchNormTrainingGradientMatchesFiniteDifferences() {
        BatchNorm bn = new BatchNorm("bn", 0.1, 1e-5, false, kit.autograd());
        Rng rng = new Rng(11);
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = bnParams(m, rng, 4, 3, 3);
            double[] rv = gaussian(rng, 4 * 3 * 9, 1.0, 0.0);
            Params buffers = p.buffers();
            double[] analytic;
            try (Autograd.Scope rec = kit.autograd().record()) {
                NDArray loss = bnLoss(bn, p, m.create(rv, new Shape(4, 3, 3, 3)));
                analytic = FiniteDifferences.flatten(kit.autograd().grad(loss, p.trainable().arrays(), GraphMode.RELEASE));
            }
            double[] numeric = FiniteDifferences.gradient(q -> {
                NDManager qm = q.arrays().get(0).getManager();
                return bnLoss(bn, q.concat(buffers), qm.create(rv, new Shape(4, 3, 3, 3))).getDouble();
            }, p.trainable(), 1e-6, m);
            double err = FiniteDifferences.relativeError(analytic, numeric);
            assertTrue(err < 1e-7, "relative error " + err);
            double inputNorm = 0;
            for (int i = 0; i < 4 * 27; i++) {
                inputNorm += analytic[i] * analytic[i];
            }
            assertTrue(inputNorm > 1e-6, "the input gets a gradient through the batch statistics");
        }
    }

    @Test
    void trainingUpdatesRunningStatisticsAndEvaluationUsesThem() {
        BatchNorm bn = new BatchNorm("bn", 0.25, 1e-5, false, kit.autograd());
        Rng rng = new Rng(12);
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = bnParams(m, rng, 5, 2, 2);
            double[] x = p.get("x").toDoubleArray();
            bn.apply(p, p.get("x"), Forward.training(new Rng(0)));
            // channel c's values: n = 5 images x 4 pixels
            for (int c = 0; c < 2; c++) {
                double s = 0;
                double s2 = 0;
                int n = 0;
                for (int i = 0; i < 5; i++) {
                    for (int k = 0; k < 4; k++) {
                        double v = x[(i * 2 + c) * 4 + k];
                        s += v;
                        s2 += v * v;
                        n++;
                    }
                }
                double mean = s / n;
                double unbiased = (s2 - n * mean * mean) / (n - 1);
                assertEquals(0.25 * mean, p.get("bn.running-mean").toDoubleArray()[c], 1e-12);
                assertEquals(0.75 + 0.25 * unbiased, p.get("bn.running-var").toDoubleArray()[c], 1e-12);
            }
            double[] rm = p.get("bn.running-mean").toDoubleArray();
            double[] rvar = p.get("bn.running-var").toDoubleArray();
            double[] g = p.get("bn.weight").toDoubleArray();
            double[] beta = p.get("bn.bias").toDoubleArray();
            double[] y = bn.apply(p, p.get("x"), Forward.evaluation(new Rng(0))).toDoubleArray();
            for (int i = 0; i < y.length; i++) {
                int c = (i / 4) % 2;
                double expected = (x[i] - rm[c]) / Math.sqrt(rvar[c] + 1e-5) * g[c] + beta[c];
                assertEquals(expected, y[i], 1e-12);
            }
            assertArrayEquals(rm, p.get("bn.running-mean").toDoubleArray(), "evaluation leaves the statistics");
            assertArrayEquals(rvar, p.get("bn.running-var").toDoubleArray(), "evaluation leaves the statistics");
        }
    }

    // ---- conv4 ----

    @Test
    void embeddingShapesNamesAndBuffers() {
        Conv4 net = model(kit32, "bn-mode = inductive");
        Params p = net.init(OMNIGLOT_LIKE, new Rng(0), kit32.manager(), DataType.FLOAT32);
        assertEquals(0, p.headCount(), "head = none is an embedding network");
        assertEquals(24, p.size());
        assertEquals(16, p.trainable().size());
        assertEquals(List.of("encoder.block1.bn.running-mean", "encoder.block1.bn.running-var"),
                p.buffers().names().subList(0, 2));
        // 4 blocks: conv (64·C·9 + 64) and bn (2·64); C = 1, then 64
        long expected = (64 * 9 + 64 + 128) + 3L * (64 * 64 * 9 + 64 + 128);
        assertEquals(expected, p.trainable().elementCount());
        for (String n : p.trainable().names()) {
            assertTrue(p.get(n).hasGradient(), n);
        }
        try (NDManager m = kit32.manager().newSubManager()) {
            p.tempAttach(m);
            NDArray x = m.randomUniform(0f, 1f, new Shape(6, 1, 28, 28));
            NDList out = net.forward(p, x, Forward.training(new Rng(0)));
            assertEquals(1, out.size());
            assertEquals(new Shape(6, 64), out.get(0).getShape(), "28 -> 14 -> 7 -> 3 -> 1, 64 channels");
            assertEquals(new Shape(6, 64), net.forward(p, x, Forward.evaluation(new Rng(0))).get(0).getShape());
            DataSpec mini = new DataSpec(new long[] {3, 84, 84}, List.of(new ClassificationTask("y", 5)));
            Params q = net.init(mini, new Rng(0), m, DataType.FLOAT32);
            NDArray z = net.forward(q, m.randomUniform(0f, 1f, new Shape(2, 3, 84, 84)), Forward.evaluation(new Rng(0))).get(0);
            assertEquals(new Shape(2, 1600), z.getShape(), "84 -> 42 -> 21 -> 10 -> 5: 64·5·5");
        }
    }

    @Test
    void linearHeadGivesWaysOutputs() {
        Conv4 net = model(kit32, "head = linear");
        Params p = net.init(OMNIGLOT_LIKE, new Rng(0), kit32.manager(), DataType.FLOAT32);
        assertEquals(1, p.headCount());
        assertEquals(new Shape(5, 64), p.get("head.y.weight").getShape());
        try (NDManager m = kit32.manager().newSubManager()) {
            p.tempAttach(m);
            NDArray x = m.randomUniform(0f, 1f, new Shape(3, 1, 28, 28));
            assertEquals(new Shape(3, 5), net.forward(p, x, Forward.training(new Rng(0))).get(0).getShape());
        }
    }

    @Test
    void tooSmallImagesAreRefused() {
        Conv4 net = model(kit32, "");
        DataSpec tiny = new DataSpec(new long[] {1, 8, 8}, List.of(new ClassificationTask("y", 2)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.init(tiny, new Rng(0), kit32.manager(), DataType.FLOAT32));
        assertTrue(e.getMessage().contains("at least 16 pixels"), e.getMessage());
    }

    @Test
    void taskBatchedPassEqualsPerTaskPassesWithPerTaskStatistics() {
        Conv4 net = model(kit, "channels = 4, head = linear, bn-mode = inductive");
        DataSpec spec = new DataSpec(new long[] {1, 16, 16}, List.of(new ClassificationTask("y", 3)));
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(spec, new Rng(3), m, DataType.FLOAT64);
            Rng rng = new Rng(4);
            NDArray x = m.create(gaussian(rng, 2 * 5 * 256, 1, 0), new Shape(2, 5, 1, 16, 16));
            Params batched = p.replicate(2);
            NDArray together = net.forward(batched, x, Forward.training(new Rng(0))).get(0);
            assertEquals(new Shape(2, 5, 3), together.getShape());
            for (int t = 0; t < 2; t++) {
                Params single = p.replicate(1).map(a -> a.get(0).duplicate());
                NDArray alone = net.forward(single, x.get(t), Forward.training(new Rng(0))).get(0);
                assertArrayEquals(alone.toDoubleArray(), together.get(t).toDoubleArray(), 1e-10);
                String rm = "encoder.block2.bn.running-mean";
                assertArrayEquals(single.get(rm).toDoubleArray(), batched.get(rm).get(t).toDoubleArray(), 1e-12,
                        "task " + t + " has its own running statistics");
            }
            assertFalse(java.util.Arrays.equals(batched.get("encoder.block1.bn.running-mean").get(0).toDoubleArray(),
                    batched.get("encoder.block1.bn.running-mean").get(1).toDoubleArray()));
            assertArrayEquals(new double[4], p.get("encoder.block1.bn.running-mean").toDoubleArray(),
                    "replicated buffers are copies: the originals stay");
        }
    }

    @Test
    void trainModeGradientOfASmallConv4MatchesFiniteDifferences() {
        Conv4 net = model(kit, "channels = 3, blocks = 2, head = linear");
        DataSpec spec = new DataSpec(new long[] {1, 8, 8}, List.of(new ClassificationTask("y", 3)));
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(spec, new Rng(7), m, DataType.FLOAT64);
            Rng rng = new Rng(8);
            double[] x = gaussian(rng, 6 * 64, 1, 0);
            long[] y = {0, 1, 2, 0, 1, 2};
            ClassificationTask task = new ClassificationTask("y", 3);
            java.util.function.Function<Params, NDArray> loss = q -> {
                NDManager qm = q.arrays().get(0).getManager();
                NDArray out = net.forward(q, qm.create(x, new Shape(6, 1, 8, 8)), Forward.training(new Rng(0))).get(0);
                return task.loss(out, dev.meta4j.api.data.Targets.of(qm.create(y)));
            };
            double err = FiniteDifferences.trainableGradientError(loss, p, kit.autograd(), 1e-6, m);
            assertTrue(err < 1e-6, "relative error " + err);
        }
    }

    @Test
    void transductiveBatchNormHasNoBuffersAndNormalisesEveryBatchWithItsOwnStatistics() {
        Conv4 net = model(kit, "channels = 4, blocks = 2");
        DataSpec spec = new DataSpec(new long[] {1, 8, 8}, List.of(new ClassificationTask("y", 3)));
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(spec, new Rng(3), m, DataType.FLOAT64);
            assertFalse(p.hasBuffers(), "transductive batch norm keeps no running statistics");
            assertEquals(p.size(), p.trainable().size());
            NDArray x = m.create(gaussian(new Rng(5), 6 * 64, 1, 0), new Shape(6, 1, 8, 8));
            double[] train = net.forward(p, x, Forward.training(new Rng(0))).get(0).toDoubleArray();
            double[] eval = net.forward(p, x, Forward.evaluation(new Rng(0))).get(0).toDoubleArray();
            assertArrayEquals(train, eval, 1e-12, "evaluation uses the batch's statistics too");
            // Each image's embedding depends on the other images of its batch (transduction).
            double[] firstThree = net.forward(p, x.get("0:3"), Forward.evaluation(new Rng(0))).get(0).toDoubleArray();
            double diff = 0;
            for (int i = 0; i < firstThree.length; i++) {
                diff = Math.max(diff, Math.abs(firstThree[i] - eval[i]));
            }
            assertTrue(diff > 1e-6, "a different batch, different statistics");
        }
    }

    @Test
    void stridedVariantIsMamlsOmniglotNetwork() {
        Conv4 net = model(kit32, "downsample = stride, head = linear");
        Params p = net.init(OMNIGLOT_LIKE, new Rng(0), kit32.manager(), DataType.FLOAT32);
        assertEquals(new Shape(5, 64), p.get("head.y.weight").getShape(), "28 -> 14 -> 7 -> 4 -> 2, then the mean");
        try (NDManager m = kit32.manager().newSubManager()) {
            p.tempAttach(m);
            NDArray x = m.randomUniform(0f, 1f, new Shape(3, 1, 28, 28));
            assertEquals(new Shape(3, 5), net.forward(p, x, Forward.training(new Rng(0))).get(0).getShape());
            Params embedding = model(kit32, "downsample = stride").init(OMNIGLOT_LIKE, new Rng(0), m, DataType.FLOAT32);
            DataSpec mini = new DataSpec(new long[] {3, 84, 84}, List.of(new ClassificationTask("y", 5)));
            Conv4 net84 = model(kit32, "downsample = stride");
            Params q = net84.init(mini, new Rng(0), m, DataType.FLOAT32);
            assertEquals(new Shape(2, 64), net84.forward(q, m.randomUniform(0f, 1f, new Shape(2, 3, 84, 84)),
                    Forward.evaluation(new Rng(0))).get(0).getShape());
            assertEquals(16, embedding.size(), "conv and bn weight and bias in 4 blocks, no buffers");
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "downsample = {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"max-pool", "stride"})
    void foldedTaskBatchEqualsPerTaskPassesAndItsGradientsTheirs(String downsample) {
        Conv4 net = model(kit, "channels = 4, head = linear, downsample = " + downsample);
        DataSpec spec = new DataSpec(new long[] {2, 16, 16}, List.of(new ClassificationTask("y", 3)));
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(spec, new Rng(3), m, DataType.FLOAT64);
            int tasks = 3;
            NDArray x = m.create(gaussian(new Rng(4), tasks * 5 * 2 * 256, 1, 0), new Shape(tasks, 5, 2, 16, 16));
            // Different parameters per task, so that a mix-up of tasks would show.
            Params batched = p.replicate(tasks).map(a -> {
                NDArray noisy = a.add(m.create(gaussian(new Rng(a.getShape().size()), (int) a.getShape().size(), 0.1, 0),
                        a.getShape()));
                noisy.setRequiresGradient(true);
                return noisy;
            });
            NDArray r = m.create(gaussian(new Rng(9), tasks * 5 * 3, 1, 0), new Shape(tasks, 5, 3));
            NDList together;
            double[] out;
            try (Autograd.Scope rec = kit.autograd().record()) {
                NDArray y = net.forward(batched, x, Forward.training(new Rng(0))).get(0);
                out = y.toDoubleArray();
                together = kit.autograd().grad(y.mul(r).sum(), batched.arrays(), GraphMode.RELEASE);
            }
            for (int t = 0; t < tasks; t++) {
                final int task = t;
                Params single = batched.map(a -> {
                    NDArray one = a.get(task).duplicate();
                    one.setRequiresGradient(true);
                    return one;
                });
                try (Autograd.Scope rec = kit.autograd().record()) {
                    NDArray y = net.forward(single, x.get(t), Forward.training(new Rng(0))).get(0);
                    double[] alone = y.toDoubleArray();
                    for (int i = 0; i < alone.length; i++) {
                        assertEquals(alone[i], out[t * alone.length + i], 1e-10, "task " + t + " output " + i);
                    }
                    NDList g = kit.autograd().grad(y.mul(r.get(t)).sum(), single.arrays(), GraphMode.RELEASE);
                    for (int k = 0; k < g.size(); k++) {
                        assertArrayEquals(g.get(k).toDoubleArray(), together.get(k).get(t).toDoubleArray(), 1e-10,
                                "task " + t + ", gradient of " + single.names().get(k));
                    }
                }
            }
        }
    }
}
