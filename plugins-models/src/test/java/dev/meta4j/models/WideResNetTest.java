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
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Wide ResNet: S2M2's parameter count and numbers (golden file from its module), shapes,
 * gradients against float64 finite differences with dropout on, batch-norm statistics,
 * task-batched passes, bad settings.
 */
class WideResNetTest {

    private static final DataSpec CIFAR_LIKE = new DataSpec(new long[] {3, 32, 32}, List.of(new ClassificationTask("y", 5)));
    private static final DataSpec SMALL = new DataSpec(new long[] {3, 16, 16}, List.of(new ClassificationTask("y", 3)));

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

    private static WideResNet model(PluginTestKit k, String overrides) {
        return (WideResNet) k.create(PluginKind.MODEL, "wrn28-10", overrides, Backbone.class);
    }

    private static NDArray images(NDManager m, long seed, long... shape) {
        return m.create(BackboneChecks.gaussian(new Rng(seed), Math.toIntExact(new Shape(shape).size())), new Shape(shape));
    }

    @Test
    void wrn28x10HasS2m2sParameterCountAndA640Embedding() {
        WideResNet net = model(kit32, "");
        try (NDManager m = kit32.manager().newSubManager()) {
            Params p = net.init(CIFAR_LIKE, new Rng(0), m, DataType.FLOAT32);
            // torch 1.13, S2M2's wrn28_10(num_classes=10, loss_type='softmax'): 36,479,194 parameters
            // in 80 tensors, of which its linear classifier's 6,410 in 2; running statistics 17,952.
            assertEquals(36_479_194L - 6_410L, p.trainable().elementCount());
            assertEquals(78, p.trainable().size());
            assertEquals(17_952L, p.buffers().elementCount());
            NDArray x = m.randomUniform(0f, 1f, new Shape(1, 3, 32, 32));
            assertEquals(new Shape(1, 640), net.forward(p, x, Forward.evaluation(new Rng(0))).singletonOrThrow().getShape());
        }
    }

    @Test
    void shapesOn84PixelImagesAndWithAHead() {
        DataSpec mini = new DataSpec(new long[] {3, 84, 84}, List.of(new ClassificationTask("y", 5)));
        WideResNet net = model(kit32, "depth = 10, widen-factor = 2, head = linear");
        try (NDManager m = kit32.manager().newSubManager()) {
            Params p = net.init(mini, new Rng(0), m, DataType.FLOAT32);
            assertEquals(new Shape(5, 128), p.get("head.y.weight").getShape(), "64k features");
            NDArray x = m.randomUniform(0f, 1f, new Shape(2, 3, 84, 84));
            assertEquals(new Shape(2, 128), net.encode(p, x, Forward.training(new Rng(0))).getShape());
            assertEquals(new Shape(2, 5), net.forward(p, x, Forward.evaluation(new Rng(0))).singletonOrThrow().getShape());
        }
    }

    @Test
    void matchesS2m2sModuleInFloat64() {
        // Their WideResNet(depth=16, widen_factor=1, dropRate=0) embedding, on 4 x 3 x 16 x 16.
        WideResNet net = model(kit, "depth = 16, widen-factor = 1");
        try (NDManager m = kit.manager().newSubManager()) {
            Params init = net.init(SMALL, new Rng(0), m, DataType.FLOAT64);
            BackboneChecks.Golden.read("wrn-golden.txt").check(net, init, kit.autograd(), m, 1e-10);
        }
    }

    private static Function<Params, NDArray> loss(WideResNet net, double[] x, long seed) {
        long[] y = {0, 1, 2};
        ClassificationTask task = new ClassificationTask("y", 3);
        return q -> {
            NDManager qm = q.arrays().get(0).getManager();
            NDArray out = net.forward(q, qm.create(x, new Shape(3, 3, 16, 16)), Forward.training(new Rng(seed))).get(0);
            return task.loss(out, Targets.of(qm.create(y)));
        };
    }

    @Test
    void gradientWithDropoutMatchesFiniteDifferences() {
        // WRN-10-1: 78k parameters, too many for one difference each; every coordinate of the
        // stem, of an identity block's first batch norm, of the last batch norm and of the head's
        // bias, and all parameters along random directions. Step 1e-7: ReLU kinks (see
        // BackboneChecks.subsetGradientError).
        WideResNet net = model(kit, "depth = 10, widen-factor = 1, dropout = 0.3, head = linear");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(SMALL, new Rng(7), m, DataType.FLOAT64);
            double[] x = BackboneChecks.gaussian(new Rng(8), 3 * 3 * 16 * 16);
            Function<Params, NDArray> f = loss(net, x, 99);
            double err = BackboneChecks.subsetGradientError(f, p, List.of("encoder.stem.weight",
                    "encoder.group1.block1.bn1.weight", "encoder.group1.block1.bn1.bias", "encoder.bn.weight",
                    "encoder.bn.bias", "head.y.bias"), kit.autograd(), m, 1e-7);
            assertTrue(err < 1e-6, "relative error " + err);
            double directional = BackboneChecks.directionalError(f, p, kit.autograd(), m, 4, 11, 1e-7);
            assertTrue(directional < 1e-6, "directional relative error " + directional);
            assertTrue(f.apply(p).getDouble() != loss(net, x, 100).apply(p).getDouble(), "dropout was on");
        }
    }

    @Test
    void dropoutIsSeededInTrainingAndOffInEvaluation() {
        WideResNet net = model(kit, "depth = 10, widen-factor = 1, dropout = 0.3");
        WideResNet plain = model(kit, "depth = 10, widen-factor = 1");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(SMALL, new Rng(1), m, DataType.FLOAT64);
            NDArray x = images(m, 2, 3, 3, 16, 16);
            double[] a = net.encode(p, x, Forward.training(new Rng(4))).toDoubleArray();
            assertArrayEquals(a, net.encode(p, x, Forward.training(new Rng(4))).toDoubleArray());
            assertFalse(Arrays.equals(a, net.encode(p, x, Forward.training(new Rng(5))).toDoubleArray()));
            assertFalse(Arrays.equals(a, plain.encode(p, x, Forward.training(new Rng(4))).toDoubleArray()));
            assertArrayEquals(plain.encode(p, x, Forward.evaluation(new Rng(0))).toDoubleArray(),
                    net.encode(p, x, Forward.evaluation(new Rng(1))).toDoubleArray(), 0);
        }
    }

    @Test
    void taskBatchedPassEqualsPerTaskPasses() {
        WideResNet net = model(kit, "depth = 10, widen-factor = 1, head = linear");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(SMALL, new Rng(3), m, DataType.FLOAT64);
            NDArray x = images(m, 4, 2, 3, 3, 16, 16);
            Params batched = p.replicate(2);
            NDArray together = net.forward(batched, x, Forward.training(new Rng(0))).get(0);
            assertEquals(new Shape(2, 3, 3), together.getShape());
            NDArray evalTogether = net.forward(batched, x, Forward.evaluation(new Rng(0))).get(0);
            for (int t = 0; t < 2; t++) {
                Params single = p.replicate(1).map(a -> a.get(0).duplicate());
                assertArrayEquals(net.forward(single, x.get(t), Forward.training(new Rng(0))).get(0).toDoubleArray(),
                        together.get(t).toDoubleArray(), 1e-10);
                String rm = "encoder.bn.running-var";
                assertArrayEquals(single.get(rm).toDoubleArray(), batched.get(rm).get(t).toDoubleArray(), 1e-12);
                assertArrayEquals(net.forward(single, x.get(t), Forward.evaluation(new Rng(0))).get(0).toDoubleArray(),
                        evalTogether.get(t).toDoubleArray(), 1e-10);
            }
        }
    }

    @Test
    void badDepthsAndTinyImagesAreRefused() {
        for (String depth : new String[] {"depth = 12", "depth = 4"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model(kit32, depth));
            assertTrue(e.getMessage().contains("6n + 4"), e.getMessage());
        }
        DataSpec tiny = new DataSpec(new long[] {3, 2, 2}, List.of(new ClassificationTask("y", 2)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model(kit32, "depth = 10, widen-factor = 1").init(tiny, new Rng(0), kit32.manager(), DataType.FLOAT32));
        assertTrue(e.getMessage().contains("smaller than 4x4"), e.getMessage());
    }
}
