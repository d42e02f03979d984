package dev.meta4j.models.dense;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** {@code segnet-split}: the official model on a tiny instance, its full-size counts, shapes, gradients. */
class SegNetSplitTest {

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

    private static Backbone model(PluginTestKit k, String overrides) {
        return k.create(PluginKind.MODEL, "segnet-split", overrides, Backbone.class);
    }

    @Test
    void matchesTheOfficialModelOnATinyInstance() {
        DenseGolden golden = DenseGolden.read("segnet-split-golden.txt");
        Backbone net = model(kit, "filters = [4, 6, 8, 10, 10]");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = golden.fill(net.init(MtanSegNetTest.nyu(32, 64), new Rng(0), m, DataType.FLOAT64), m);
            golden.check(net, p, DenseGolden.image(m, 2, 3, 32, 64), kit.autograd(), 1e-10);
        }
    }

    @Test
    void fullSizeParameterCountsAreTheOfficialOnes() {
        Params p = model(kit32, "").init(MtanSegNetTest.nyu(288, 384), new Rng(0), kit32.manager(), DataType.FLOAT32);
        try {
            assertEquals(25_055_185, p.trainable().elementCount());
            assertEquals(14_336, p.buffers().elementCount());
            assertEquals(24_943_296, p.encoder().trainable().elementCount());
        } finally {
            p.arrays().forEach(NDArray::close);
        }
    }

    @Test
    void cityscapesParameterCountsAreTheOfficialOnes() {
        Params p = model(kit32, "").init(MtanSegNetTest.cityscapes(), new Rng(0), kit32.manager(), DataType.FLOAT32);
        try {
            assertEquals(25_017_672, p.trainable().elementCount());
            assertEquals(24_943_296, p.encoder().trainable().elementCount());
        } finally {
            p.arrays().forEach(NDArray::close);
        }
    }

    @Test
    void representationIsTheLastDecoderMapAndHeadsReadIt() {
        Backbone net = model(kit32, "filters = [4, 4, 4, 4, 4]");
        try (NDManager m = kit32.manager().newSubManager()) {
            Params p = net.init(MtanSegNetTest.nyu(288, 384), new Rng(1), m, DataType.FLOAT32);
            p.tempAttach(m);
            NDArray z = net.encode(p, m.randomUniform(0f, 1f, new Shape(1, 3, 288, 384)), Forward.evaluation(new Rng(0)));
            assertEquals(new Shape(1, 4, 288, 384), z.getShape());
            NDList out = net.heads(p, z, Forward.evaluation(new Rng(0)));
            assertEquals(new Shape(1, 13, 288, 384), out.get(0).getShape());
            assertEquals(new Shape(1, 3, 288, 384), out.get(2).getShape());
        }
    }

    @Test
    void trainingGradientOfATinyModelMatchesFiniteDifferencesAlongRandomDirections() {
        Backbone net = model(kit, "filters = [4, 5, 4]");
        DataSpec spec = new DataSpec(new long[] {2, 8, 8}, List.of(new PixelTask("semantic", 3, 8, 8),
                new PixelTask("depth", 1, 8, 8)));
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(spec, new Rng(4), m, DataType.FLOAT64);
            NDArray x = DenseGolden.image(m, 2, 2, 8, 8);
            double err = DenseGolden.directionalError(q -> {
                NDManager qm = q.arrays().get(0).getManager();
                NDList ys = net.forward(q, x, Forward.training(new Rng(0)));
                NDArray loss = ys.get(0).mul(DenseGolden.lossWeights(qm, 0, ys.get(0).getShape())).sum();
                return loss.add(ys.get(1).mul(DenseGolden.lossWeights(qm, 1, ys.get(1).getShape())).sum());
            }, p, kit.autograd(), 4, new Rng(9), m);
            assertTrue(err < 1e-7, "relative error " + err);
        }
    }
}
