package dev.meta4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ResNet-12: the PyTorch reference's parameter count, shapes and numbers (golden file from
 * MetaOptNet's module), gradients against float64 finite differences with DropBlock and dropout
 * on, their masks' determinism, batch-norm statistics, task-batched passes.
 */
class ResNet12Test {

    private static final String TINY = "channels = [2, 3, 4, 5], dropblock-size = 2";
    private static final DataSpec CIFAR_LIKE = new DataSpec(new long[] {3, 32, 32}, List.of(new ClassificationTask("y", 3)));
    private static final DataSpec MINI_LIKE = new DataSpec(new long[] {3, 84, 84}, List.of(new ClassificationTask("y", 5)));

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

    private static ResNet12 model(PluginTestKit k, String overrides) {
        return (ResNet12) k.create(PluginKind.MODEL, "resnet12", overrides, Backbone.class);
    }

    private static NDArray images(NDManager m, long seed, long... shape) {
        return m.create(BackboneChecks.gaussian(new Rng(seed), Math.toIntExact(new Shape(shape).size())), new Shape(shape));
    }

    @Test
    void parameterCountMatchesMetaOptNetsModule() {
        ResNet12 net = model(kit32, "");
        try (NDManager m = kit32.manager().newSubManager()) {
            Params p = net.init(MINI_LIKE, new Rng(0), m, DataType.FLOAT32);
            // torch 1.13, MetaOptNet's resnet12(avg_pool=False, drop_rate=0.1, dropblock_size=5):
            // sum(p.numel() for p in parameters()) = 12,424,320 in 48 tensors; running statistics 9,472.
            assertEquals(12_424_320L, p.trainable().elementCount());
            assertEquals(48, p.trainable().size());
            assertEquals(9_472L, p.buffers().elementCount());
            assertEquals(0, p.headCount());
            // kaiming_normal_(fan_out): std sqrt(2 / (640 * 9)) for block 4's second convolution
            double[] w = p.get("encoder.block4.conv2.weight").toType(DataType.FLOAT64, false).toDoubleArray();
            double var = Arrays.stream(w).map(v -> v * v).average().orElseThrow();
            assertEquals(2.0 / (640 * 9), var, 0.02 * 2.0 / (640 * 9));
        }
    }

    @Test
    void embeddingShapesOn84And32PixelImages() {
        try (NDManager m = kit32.manager().newSubManager()) {
            NDArray x84 = m.randomUniform(0f, 1f, new Shape(2, 3, 84, 84));
            for (boolean pool : new boolean[] {false, true}) {
                ResNet12 net = model(kit32, "avg-pool = " + pool);
                Params p = net.init(MINI_LIKE, new Rng(0), m, DataType.FLOAT32);
                Shape want = new Shape(2, pool ? 640 : 640 * 5 * 5);
                assertEquals(want, net.forward(p, x84, Forward.evaluation(new Rng(0))).singletonOrThrow().getShape(),
                        "84 -> 42 -> 21 -> 10 -> 5");
                assertEquals(want, net.forward(p, x84, Forward.training(new Rng(0))).singletonOrThrow().getShape());
                assertEquals(want.get(1), net.embeddingSize(MINI_LIKE));
            }
            NDArray x32 = m.randomUniform(0f, 1f, new Shape(2, 3, 32, 32));
            ResNet12 cifar = model(kit32, "dropblock-size = 2, head = linear");
            Params p = cifar.init(CIFAR_LIKE, new Rng(0), m, DataType.FLOAT32);
            assertEquals(new Shape(3, 2560), p.get("head.y.weight").getShape(), "32 -> 16 -> 8 -> 4 -> 2: 640 x 2 x 2");
            assertEquals(new Shape(2, 3), cifar.forward(p, x32, Forward.training(new Rng(0))).singletonOrThrow().getShape());
            assertEquals(new Shape(2, 2560), cifar.encode(p, x32, Forward.evaluation(new Rng(0))).getShape());
        }
    }

    @Test
    void matchesMetaOptNetsModuleInFloat64() {
        // Their BasicBlock/ResNet with channels (2, 3, 4, 5), drop_rate 0, on 4 x 3 x 32 x 32.
        ResNet12 net = model(kit, TINY + ", drop-rate = 0");
        try (NDManager m = kit.manager().newSubManager()) {
            Params init = net.init(CIFAR_LIKE, new Rng(0), m, DataType.FLOAT64);
            // 1e-7: DJL's leakyRelu slope is the float 0.1f (see the class doc).
            BackboneChecks.Golden.read("resnet12-golden.txt").check(net, init, kit.autograd(), m, 1e-7);
        }
    }

    /** Cross-entropy of a linear head on the tiny model, in a training pass with fixed masks. */
    private static Function<Params, NDArray> loss(ResNet12 net, double[] x, long seed) {
        long[] y = {0, 1, 2};
        ClassificationTask task = new ClassificationTask("y", 3);
        return q -> {
            NDManager qm = q.arrays().get(0).getManager();
            NDArray out = net.forward(q, qm.create(x, new Shape(3, 3, 32, 32)), Forward.training(new Rng(seed))).get(0);
            return task.loss(out, Targets.of(qm.create(y)));
        };
    }

    @Test
    void gradientWithDropBlockAndDropoutMatchesFiniteDifferences() {
        // 1,587 parameters: every coordinate of a first-block convolution and batch norm (a
        // 3-channel input, dropout after), a shortcut, a third batch norm, a last-block
        // convolution (DropBlock after) and the head; all of them along random directions.
        ResNet12 net = model(kit, TINY + ", drop-rate = 0.3, dropblock-warmup-steps = 0, head = linear");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(CIFAR_LIKE, new Rng(7), m, DataType.FLOAT64);
            double[] x = BackboneChecks.gaussian(new Rng(8), 3 * 3 * 32 * 32);
            Function<Params, NDArray> f = loss(net, x, 99);
            double err = BackboneChecks.subsetGradientError(f, p, List.of("encoder.block1.conv1.weight",
                    "encoder.block1.bn1.weight", "encoder.block1.bn1.bias", "encoder.block2.shortcut.conv.weight",
                    "encoder.block3.bn3.weight", "encoder.block3.bn3.bias", "encoder.block4.conv3.weight", "head.y.weight",
                    "head.y.bias"), kit.autograd(), m, 1e-6);
            assertTrue(err < 1e-6, "relative error " + err);
            double directional = BackboneChecks.directionalError(f, p, kit.autograd(), m, 4, 12, 1e-6);
            assertTrue(directional < 1e-6, "directional relative error " + directional);
            assertTrue(f.apply(p).getDouble() != loss(net, x, 100).apply(p).getDouble(),
                    "the masks depend on the generator, so they were on");
        }
    }

    @Test
    void regularisationIsSeededInTrainingAndOffInEvaluation() {
        ResNet12 net = model(kit, TINY + ", drop-rate = 0.3");
        ResNet12 plain = model(kit, TINY + ", drop-rate = 0");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(CIFAR_LIKE, new Rng(1), m, DataType.FLOAT64);
            NDArray x = images(m, 2, 3, 3, 32, 32);
            TrainingClock late = new TrainingClock(50_000, 60_000, 0);
            double[] a = net.encode(p, x, Forward.training(new Rng(4), late)).toDoubleArray();
            double[] b = net.encode(p, x, Forward.training(new Rng(4), late)).toDoubleArray();
            double[] c = net.encode(p, x, Forward.training(new Rng(5), late)).toDoubleArray();
            double[] none = plain.encode(p, x, Forward.training(new Rng(4), late)).toDoubleArray();
            assertArrayEquals(a, b, "same generator state, same masks (training output reads no running statistics)");
            assertFalse(Arrays.equals(a, c));
            assertFalse(Arrays.equals(a, none));
            double[] e1 = net.encode(p, x, Forward.evaluation(new Rng(4))).toDoubleArray();
            double[] e2 = net.encode(p, x, Forward.evaluation(new Rng(5))).toDoubleArray();
            double[] e3 = plain.encode(p, x, Forward.evaluation(new Rng(6))).toDoubleArray();
            assertArrayEquals(e1, e2, 0, "evaluation draws nothing");
            assertArrayEquals(e1, e3, 0, "evaluation is the network without DropBlock and dropout");
        }
    }

    @Test
    void trainingUpdatesEveryRunningStatisticAndEvaluationLeavesThem() {
        ResNet12 net = model(kit, TINY);
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(CIFAR_LIKE, new Rng(1), m, DataType.FLOAT64);
            assertEquals(4 * 4 * 2, p.buffers().size(), "four batch norms a block, two buffers each");
            NDArray x = images(m, 3, 3, 3, 32, 32);
            net.forward(p, x, Forward.training(new Rng(0)));
            for (String b : p.buffers().names()) {
                double[] v = p.get(b).toDoubleArray();
                double start = b.endsWith("running-mean") ? 0 : 1;
                assertTrue(Arrays.stream(v).anyMatch(z -> z != start), b + " moved");
            }
            List<double[]> before = p.buffers().arrays().stream().map(NDArray::toDoubleArray).toList();
            net.forward(p, x, Forward.evaluation(new Rng(0)));
            for (int i = 0; i < before.size(); i++) {
                assertArrayEquals(before.get(i), p.buffers().arrays().get(i).toDoubleArray(), 0);
            }
        }
    }

    @Test
    void taskBatchedPassEqualsPerTaskPasses() {
        ResNet12 net = model(kit, TINY + ", drop-rate = 0, head = linear");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(CIFAR_LIKE, new Rng(3), m, DataType.FLOAT64);
            NDArray x = images(m, 4, 2, 3, 3, 32, 32);
            Params batched = p.replicate(2);
            NDArray together = net.forward(batched, x, Forward.training(new Rng(0))).get(0);
            assertEquals(new Shape(2, 3, 3), together.getShape());
            NDArray evalTogether = net.forward(batched, x, Forward.evaluation(new Rng(0))).get(0);
            for (int t = 0; t < 2; t++) {
                Params single = p.replicate(1).map(a -> a.get(0).duplicate());
                NDArray alone = net.forward(single, x.get(t), Forward.training(new Rng(0))).get(0);
                assertArrayEquals(alone.toDoubleArray(), together.get(t).toDoubleArray(), 1e-10);
                String rm = "encoder.block3.shortcut.bn.running-mean";
                assertArrayEquals(single.get(rm).toDoubleArray(), batched.get(rm).get(t).toDoubleArray(), 1e-12,
                        "task " + t + " has its own running statistics");
                assertArrayEquals(net.forward(single, x.get(t), Forward.evaluation(new Rng(0))).get(0).toDoubleArray(),
                        evalTogether.get(t).toDoubleArray(), 1e-10);
            }
        }
    }

    @Test
    void dropBlockLargerThanTheLastMapIsRefused() {
        ResNet12 net = model(kit32, "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.init(CIFAR_LIKE, new Rng(0), kit32.manager(), DataType.FLOAT32));
        assertTrue(e.getMessage().contains("dropblock-size = 5"), e.getMessage());
        DataSpec tiny = new DataSpec(new long[] {3, 8, 8}, List.of(new ClassificationTask("y", 2)));
        e = assertThrows(IllegalArgumentException.class,
                () -> model(kit32, "drop-rate = 0").init(tiny, new Rng(0), kit32.manager(), DataType.FLOAT32));
        assertTrue(e.getMessage().contains("at least 16 pixels"), e.getMessage());
    }
}
