package dev.meta4j.models.dense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code celeba-cnn}: the FAMO network (golden file, counts), its shapes, batch norm and gradients. */
class CelebaCnnTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 1);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    static DataSpec attributes(int count, int side) {
        List<Task> tasks = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            tasks.add(new PixelTask("a" + t, 1));
        }
        return new DataSpec(new long[] {3, side, side}, tasks);
    }

    private static Backbone model(String overrides) {
        return kit.create(PluginKind.MODEL, "celeba-cnn", overrides, Backbone.class);
    }

    @Test
    void matchesTheOfficialNetworkAndItsCounts() {
        DenseGolden golden = DenseGolden.read("celeba-cnn-golden.txt");
        Backbone net = model("");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = golden.fill(net.init(attributes(40, 16), new Rng(0), m, DataType.FLOAT64), m);
            // dense-counts.txt: PyTorch's counts of the FAMO repository's Network.
            assertEquals(5_197_160, p.trainable().elementCount());
            assertEquals(5_760, p.buffers().elementCount());
            assertEquals(5_176_640, p.encoder().trainable().elementCount());
            // 1e-8, not 1e-10: the engine's batch norm takes eps as a float (1e-5f = 9.99999975e-6), which
            // shows at 1e-9 in the BatchNorm1d layers' gradients, whose batch variances are small here.
            golden.check(net, p, DenseGolden.image(m, 4, 3, 16, 16), kit.autograd(), 1e-8);
        }
    }

    @Test
    void sixtyFourPixelImagesGiveOneLogitPerAttribute() {
        Backbone net = model("channels = [4, 4, 4, 8], hidden = [6, 5]");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(attributes(40, 64), new Rng(1), m, DataType.FLOAT64);
            assertEquals(40, p.headCount());
            NDArray x = DenseGolden.image(m, 3, 3, 64, 64);
            NDArray z = net.encode(p, x, Forward.training(new Rng(0)));
            assertEquals(new Shape(3, 5), z.getShape());
            NDList out = net.heads(p, z, Forward.training(new Rng(0)));
            assertEquals(40, out.size());
            assertEquals(new Shape(3, 1), out.get(39).getShape());
            String rv = "encoder.fc2-bn.running-var";
            double before = p.get(rv).sum().getDouble();
            assertTrue(Math.abs(before - 5.0) > 1e-6, "training updated BatchNorm1d's statistics (fresh: 5 ones)");
            net.forward(p, x, Forward.evaluation(new Rng(0)));
            assertEquals(before, p.get(rv).sum().getDouble(), 0, "evaluation only reads them");
        }
    }

    @Test
    void trainingGradientOfATinyNetworkMatchesFiniteDifferencesAlongRandomDirections() {
        Backbone net = model("channels = [4, 5, 4, 6], hidden = [3, 2]");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(attributes(3, 8), new Rng(2), m, DataType.FLOAT64);
            NDArray x = DenseGolden.image(m, 4, 3, 8, 8);
            double err = DenseGolden.directionalError(q -> {
                NDManager qm = q.arrays().get(0).getManager();
                NDList ys = net.forward(q, x, Forward.training(new Rng(0)));
                NDArray loss = null;
                for (int t = 0; t < ys.size(); t++) {
                    NDArray term = ys.get(t).mul(DenseGolden.lossWeights(qm, t, ys.get(t).getShape())).sum();
                    loss = loss == null ? term : loss.add(term);
                }
                return loss;
            }, p, kit.autograd(), 4, new Rng(9), m);
            assertTrue(err < 1e-7, "relative error " + err);
        }
    }

    @Test
    void unfitDatasetsAndSettingsAreRefused() {
        Backbone net = model("");
        assertThrows(IllegalArgumentException.class, () -> net.init(attributes(2, 4), new Rng(0), kit.manager(),
                DataType.FLOAT64));
        IllegalArgumentException stages = assertThrows(IllegalArgumentException.class, () -> model("channels = [4, 4]"));
        assertTrue(stages.getMessage().contains("4 stages"), stages.getMessage());
    }
}
