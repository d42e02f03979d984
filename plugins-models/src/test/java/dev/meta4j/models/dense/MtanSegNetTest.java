package dev.meta4j.models.dense;

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
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code mtan-segnet}: the official FAMO model's outputs, gradients and running statistics on a tiny
 * instance (golden file), its parameter counts at full size, NYUv2-sized shapes, the encoder/head
 * split, batch-norm modes, gradients against finite differences, and the refusals.
 */
class MtanSegNetTest {

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

    static DataSpec nyu(int h, int w) {
        return new DataSpec(new long[] {3, h, w}, List.of(new PixelTask("semantic", 13, h, w),
                new PixelTask("depth", 1, h, w), new PixelTask("normal", 3, h, w)));
    }

    private static Backbone model(PluginTestKit k, String overrides) {
        return k.create(PluginKind.MODEL, "mtan-segnet", overrides, Backbone.class);
    }

    @Test
    void matchesTheOfficialModelOnATinyInstance() {
        DenseGolden golden = DenseGolden.read("mtan-segnet-golden.txt");
        Backbone net = model(kit, "filters = [4, 6, 8, 10, 10]");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = golden.fill(net.init(nyu(32, 64), new Rng(0), m, DataType.FLOAT64), m);
            golden.check(net, p, DenseGolden.image(m, 2, 3, 32, 64), kit.autograd(), 1e-10);
        }
    }

    @Test
    void fullSizeParameterCountsAreTheOfficialOnes() {
        // dense-counts.txt: PyTorch's counts of the FAMO repository's SegNetMtan.
        Params p = model(kit32, "").init(nyu(288, 384), new Rng(0), kit32.manager(), DataType.FLOAT32);
        try {
            assertEquals(44_229_073, p.trainable().elementCount());
            assertEquals(50_176, p.buffers().elementCount());
            assertEquals(44_117_184, p.encoder().trainable().elementCount(), "shared_parameters(): all but pred_*");
            assertEquals(3, p.headCount());
        } finally {
            p.arrays().forEach(NDArray::close);
        }
    }

    static DataSpec cityscapes() {
        return new DataSpec(new long[] {3, 128, 256}, List.of(new PixelTask("semantic", 7, 128, 256),
                new PixelTask("depth", 1, 128, 256)));
    }

    @Test
    void cityscapesParameterCountsAreTheOfficialOnes() {
        // The FAMO repository's experiments/cityscapes SegNetMtan: 7 classes and depth.
        Params p = model(kit32, "").init(cityscapes(), new Rng(0), kit32.manager(), DataType.FLOAT32);
        try {
            assertEquals(41_206_984, p.trainable().elementCount());
            assertEquals(40_192, p.buffers().elementCount());
            assertEquals(41_132_608, p.encoder().trainable().elementCount());
        } finally {
            p.arrays().forEach(NDArray::close);
        }
    }

    @Test
    void nyuSizedImagesGivePerPixelOutputs() {
        Backbone net = model(kit32, "filters = [4, 4, 4, 4, 4]");
        try (NDManager m = kit32.manager().newSubManager()) {
            Params p = net.init(nyu(288, 384), new Rng(1), m, DataType.FLOAT32);
            p.tempAttach(m);
            NDArray x = m.randomUniform(0f, 1f, new Shape(2, 3, 288, 384));
            NDArray z = net.encode(p, x, Forward.training(new Rng(0)));
            assertEquals(new Shape(2, 3, 4, 288, 384), z.getShape(), "[N, tasks, f[0], H, W]");
            NDList out = net.heads(p, z, Forward.training(new Rng(0)));
            assertEquals(new Shape(2, 13, 288, 384), out.get(0).getShape());
            assertEquals(new Shape(2, 1, 288, 384), out.get(1).getShape());
            assertEquals(new Shape(2, 3, 288, 384), out.get(2).getShape());
            double[] probs = out.get(0).exp().sum(new int[] {1}).toType(DataType.FLOAT64, false).toDoubleArray();
            double[] norms = out.get(2).square().sum(new int[] {1}).toType(DataType.FLOAT64, false).toDoubleArray();
            for (int i = 0; i < probs.length; i++) {
                assertEquals(1, probs[i], 1e-5, "log-probabilities");
                assertEquals(1, norms[i], 1e-5, "unit normals");
            }
        }
    }

    @Test
    void encoderHoldsTheAttentionAndHeadsThePredictionLayers() {
        Backbone net = model(kit, "filters = [4, 5]");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(nyu(8, 8), new Rng(2), m, DataType.FLOAT64);
            assertEquals(3, p.headCount());
            assertEquals(List.of("head.semantic.conv1.weight", "head.semantic.conv1.bias", "head.semantic.conv2.weight",
                    "head.semantic.conv2.bias"), p.head(0).names());
            assertEquals(new Shape(13, 4, 1, 1), p.get("head.semantic.conv2.weight").getShape());
            assertTrue(p.encoder().contains("encoder.encoder_att.normal.1.conv1.weight"));
            assertTrue(p.encoder().contains("encoder.decoder_block_att.1.bn.running-var"));
            for (String name : p.names()) {
                assertEquals(name.startsWith("head."), p.headOf(name) != Params.ENCODER, name);
            }
            NDArray x = DenseGolden.image(m, 2, 3, 8, 8);
            NDList direct = net.forward(p, x, Forward.evaluation(new Rng(0)));
            NDList split = net.heads(p, net.encode(p, x, Forward.evaluation(new Rng(0))), Forward.evaluation(new Rng(0)));
            for (int t = 0; t < 3; t++) {
                assertArrayEquals(direct.get(t).toDoubleArray(), split.get(t).toDoubleArray(), 0);
            }
        }
    }

    @Test
    void trainingUpdatesRunningStatisticsAndEvaluationOnlyReadsThem() {
        Backbone net = model(kit, "filters = [4, 5]");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(nyu(8, 8), new Rng(3), m, DataType.FLOAT64);
            NDArray x = DenseGolden.image(m, 2, 3, 8, 8);
            String shared = "encoder.encoder_block_att.0.bn.running-mean";
            double[] fresh = p.get(shared).toDoubleArray();
            NDArray first = net.forward(p, x, Forward.evaluation(new Rng(0))).get(1);
            assertArrayEquals(fresh, p.get(shared).toDoubleArray(), 0, "evaluation leaves the statistics");
            NDArray train = net.forward(p, x, Forward.training(new Rng(0))).get(1);
            double[] updated = p.get(shared).toDoubleArray();
            assertFalse(java.util.Arrays.equals(fresh, updated), "training updates them");
            NDArray again = net.forward(p, x, Forward.evaluation(new Rng(0))).get(1);
            assertArrayEquals(updated, p.get(shared).toDoubleArray(), 0);
            assertFalse(java.util.Arrays.equals(first.toDoubleArray(), again.toDoubleArray()),
                    "evaluation reads the updated statistics");
            assertFalse(java.util.Arrays.equals(train.toDoubleArray(), again.toDoubleArray()),
                    "training uses the batch's statistics");
        }
    }

    @Test
    void trainingGradientOfATinyModelMatchesFiniteDifferencesAlongRandomDirections() {
        Backbone net = model(kit, "filters = [4, 5, 6]");
        DataSpec spec = new DataSpec(new long[] {3, 16, 8}, List.of(new PixelTask("semantic", 3, 16, 8),
                new PixelTask("normal", 3, 16, 8)));
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(spec, new Rng(4), m, DataType.FLOAT64);
            NDArray x = DenseGolden.image(m, 2, 3, 16, 8);
            double err = DenseGolden.directionalError(q -> {
                NDManager qm = q.arrays().get(0).getManager();
                NDList ys = net.forward(q, x, Forward.training(new Rng(0)));
                NDArray loss = ys.get(0).mul(DenseGolden.lossWeights(qm, 0, ys.get(0).getShape())).sum();
                return loss.add(ys.get(1).mul(DenseGolden.lossWeights(qm, 1, ys.get(1).getShape())).sum());
            }, p, kit.autograd(), 4, new Rng(9), m);
            assertTrue(err < 1e-7, "relative error " + err);
        }
    }

    @Test
    void aSingleTaskViewHasOneStreamAndOneHead() {
        Backbone net = model(kit, "filters = [4, 5]");
        DataSpec depthOnly = new DataSpec(new long[] {3, 8, 8}, List.of(new PixelTask("depth", 1, 8, 8)));
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(depthOnly, new Rng(5), m, DataType.FLOAT64);
            assertEquals(1, p.headCount());
            assertTrue(p.contains("encoder.encoder_att.depth.0.conv1.weight"));
            assertFalse(p.names().stream().anyMatch(n -> n.contains("semantic")));
            NDList out = net.forward(p, DenseGolden.image(m, 2, 3, 8, 8), Forward.training(new Rng(0)));
            assertEquals(new Shape(2, 1, 8, 8), out.singletonOrThrow().getShape());
        }
    }

    @Test
    void unfitDatasetsAndSettingsAreRefusedWithTheReason() {
        Backbone net = model(kit, "");
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
                () -> net.init(nyu(288, 380), new Rng(0), kit.manager(), DataType.FLOAT64));
        assertTrue(odd.getMessage().contains("multiples of 32") && odd.getMessage().contains("288x380"), odd.getMessage());
        DataSpec flat = new DataSpec(new long[] {3, 32, 32}, List.of(new PixelTask("y", 10)));
        IllegalArgumentException notDense = assertThrows(IllegalArgumentException.class,
                () -> net.init(flat, new Rng(0), kit.manager(), DataType.FLOAT64));
        assertTrue(notDense.getMessage().contains("task 'y' outputs [10]"), notDense.getMessage());
        DataSpec vectors = new DataSpec(new long[] {5}, List.of(new PixelTask("y", 1)));
        assertThrows(IllegalArgumentException.class, () -> net.init(vectors, new Rng(0), kit.manager(), DataType.FLOAT64));
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> model(kit, "l2-normalise = [semantic]"));
        assertTrue(both.getMessage().contains("[semantic]"), both.getMessage());
        DataSpec oneChannel = new DataSpec(new long[] {3, 32, 32}, List.of(new PixelTask("semantic", 1, 32, 32)));
        assertThrows(IllegalArgumentException.class, () -> net.init(oneChannel, new Rng(0), kit.manager(), DataType.FLOAT64));
        assertThrows(IllegalArgumentException.class, () -> model(kit, "filters = []"));
    }
}
