package dev.meta4j.models.dense;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import dev.meta4j.runtime.testing.FiniteDifferences;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code qm9-mpnn}: against a sparse edge-list reference (golden file), padding and slot-order
 * invariance, parameter count, gradients and the input layout's refusals.
 */
class Qm9MpnnTest {

    private static final String TINY = "dim = 4, edge-hidden = 6, atom-features = 3, edge-features = 2";

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 1);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    static DataSpec molecules(int slots, int f, int e, int targets) {
        List<Task> tasks = new ArrayList<>();
        for (int t = 0; t < targets; t++) {
            tasks.add(new PixelTask("t" + t, 1));
        }
        return new DataSpec(new long[] {slots, Molecules.width(slots, f, e)}, tasks);
    }

    private static Backbone model(String overrides) {
        return kit.create(PluginKind.MODEL, "qm9-mpnn", overrides, Backbone.class);
    }

    @Test
    void matchesTheSparseReference() {
        DenseGolden golden = DenseGolden.read("qm9-mpnn-golden.txt");
        Backbone net = model(TINY);
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = golden.fill(net.init(molecules(5, 3, 2, 2), new Rng(0), m, DataType.FLOAT64), m);
            NDArray x = DenseGolden.constantOf(m, golden.input, golden.inputShape);
            golden.check(net, p, x, kit.autograd(), 1e-12);
        }
    }

    /** Moves molecule {@code n}'s slot {@code s} to {@code slot[s]} of a batch with {@code slots} slots. */
    private static double[] repack(double[] x, int n, int from, int f, int e, int to, int[] slot) {
        int inWidth = (int) Molecules.width(from, f, e);
        int outWidth = (int) Molecules.width(to, f, e);
        double[] y = new double[n * to * outWidth];
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < from; i++) {
                int src = (b * from + i) * inWidth;
                int dst = (b * to + slot[i]) * outWidth;
                System.arraycopy(x, src, y, dst, 1 + f);
                for (int j = 0; j < from; j++) {
                    System.arraycopy(x, src + 1 + f + e * j, y, dst + 1 + f + e * slot[j], e);
                }
            }
        }
        return y;
    }

    @Test
    void paddingAndSlotOrderDoNotChangeTheOutputs() {
        DenseGolden golden = DenseGolden.read("qm9-mpnn-golden.txt");
        Backbone net = model(TINY);
        try (NDManager m = kit.manager().newSubManager()) {
            Params five = golden.fill(net.init(molecules(5, 3, 2, 2), new Rng(0), m, DataType.FLOAT64), m);
            Params nine = golden.fill(net.init(molecules(9, 3, 2, 2), new Rng(0), m, DataType.FLOAT64), m);
            NDList base = net.forward(five, DenseGolden.constantOf(m, golden.input, golden.inputShape),
                    Forward.evaluation(new Rng(0)));
            // Four more empty slots, and the atoms scattered over the nine in another order.
            double[] moved = repack(golden.input, 3, 5, 3, 2, 9, new int[] {7, 2, 8, 0, 4});
            NDList padded = net.forward(nine, DenseGolden.constantOf(m, moved, new long[] {3, 9, Molecules.width(9, 3, 2)}),
                    Forward.evaluation(new Rng(0)));
            for (int t = 0; t < 2; t++) {
                assertArrayEquals(base.get(t).toDoubleArray(), padded.get(t).toDoubleArray(), 1e-12, "target " + t);
            }
            // Junk in the empty slots' rows, in e_ii and in edges from empty slots is never read.
            double[] junk = golden.input.clone();
            Rng rng = new Rng(1);
            int width = (int) Molecules.width(5, 3, 2);
            for (int b = 0; b < 3; b++) {
                for (int s = 0; s < 5; s++) {
                    int row = (b * 5 + s) * width;
                    boolean real = junk[row] == 1;
                    for (int k = 1; k < width; k++) {
                        int slot = k < 4 ? -1 : (k - 4) / 2;
                        boolean emptyNeighbour = slot >= 0 && junk[(b * 5 + slot) * width] == 0;
                        if (!real || slot == s || emptyNeighbour) {
                            junk[row + k] = 50 * rng.nextGaussian();
                        }
                    }
                }
            }
            NDList noisy = net.forward(five, DenseGolden.constantOf(m, junk, golden.inputShape), Forward.evaluation(new Rng(0)));
            for (int t = 0; t < 2; t++) {
                assertArrayEquals(base.get(t).toDoubleArray(), noisy.get(t).toDoubleArray(), 1e-12, "target " + t);
            }
            assertArrayEquals(base.get(0).toDoubleArray(), net.forward(five, DenseGolden.constantOf(m, golden.input,
                    golden.inputShape), Forward.training(new Rng(0))).get(0).toDoubleArray(), 0,
                    "no batch norm or dropout: training and evaluation agree");
        }
    }

    @Test
    void widthSixtyFourHasThePapersParameterCount() {
        Backbone net = model("");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(molecules(29, 11, 5, 11), new Rng(0), m, DataType.FLOAT32);
            // dense-counts.txt: the reference built from torch.nn modules at width 64.
            assertEquals(617_675, p.elementCount());
            assertEquals(616_960, p.encoder().elementCount());
            assertEquals(11, p.headCount());
            assertEquals(new Shape(4096, 128), p.get("encoder.conv.nn.2.weight").getShape());
            p.tempAttach(m);
            NDArray x = m.zeros(new Shape(7, 29, 157), DataType.FLOAT32);
            x.set(new ai.djl.ndarray.index.NDIndex(":, 0:3, 0"), 1f);
            NDArray z = net.encode(p, x, Forward.training(new Rng(0)));
            assertEquals(new Shape(7, 64), z.getShape());
            assertEquals(new Shape(7, 1), net.heads(p, z, Forward.training(new Rng(0))).get(10).getShape());
        }
    }

    @Test
    void trainingGradientOfATinyNetworkMatchesFiniteDifferences() {
        DenseGolden golden = DenseGolden.read("qm9-mpnn-golden.txt");
        Backbone net = model(TINY + ", iterations = 2, set2set-steps = 2");
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = net.init(molecules(5, 3, 2, 2), new Rng(3), m, DataType.FLOAT64);
            NDArray x = DenseGolden.constantOf(m, golden.input, golden.inputShape);
            double err = FiniteDifferences.trainableGradientError(q -> {
                NDManager qm = q.arrays().get(0).getManager();
                NDList ys = net.forward(q, x, Forward.training(new Rng(0)));
                return ys.get(0).mul(DenseGolden.lossWeights(qm, 0, ys.get(0).getShape())).sum()
                        .add(ys.get(1).mul(DenseGolden.lossWeights(qm, 1, ys.get(1).getShape())).sum());
            }, p, kit.autograd(), 1e-6, m);
            assertTrue(err < 1e-7, "relative error " + err);
        }
    }

    @Test
    void inputsThatDoNotFitTheLayoutAreRefused() {
        Backbone net = model("");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.init(new DataSpec(new long[] {29, 150}, List.of(new PixelTask("t", 1))), new Rng(0),
                        kit.manager(), DataType.FLOAT64));
        assertTrue(e.getMessage().contains("[M, 1 + F + E*M]") && e.getMessage().contains("(29, 150)"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> net.init(new DataSpec(new long[] {3, 32, 32}, List.of(new PixelTask("t", 1))), new Rng(0),
                        kit.manager(), DataType.FLOAT64));
    }
}
