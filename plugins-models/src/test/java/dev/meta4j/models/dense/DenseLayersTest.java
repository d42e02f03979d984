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
import ai.djl.nn.pooling.Pool;
import dev.meta4j.api.Rng;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.runtime.testing.FiniteDifferences;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dense models' layers on their own: values against hand computations and PyTorch's rules,
 * gradients against float64 central differences ({@code h = 1e-6}; smooth functions agree to about
 * {@code 1e-9}, so {@code 1e-7} leaves room and catches any wrong term).
 */
class DenseLayersTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 1);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    static double[] gaussian(Rng rng, int n, double scale, double shift) {
        double[] v = new double[n];
        for (int i = 0; i < v.length; i++) {
            v[i] = shift + scale * rng.nextGaussian();
        }
        return v;
    }

    static NDArray leaf(NDManager m, double[] v, Shape s) {
        NDArray a;
        try (NDArray wrapped = m.create(v, s)) {
            a = wrapped.duplicate();
        }
        a.setRequiresGradient(true);
        return a;
    }

    static NDArray constant(NDManager m, double[] v, Shape s) {
        try (NDArray wrapped = m.create(v, s)) {
            return wrapped.duplicate();
        }
    }

    private static double gradientError(Function<Params, NDArray> loss, Params at, NDManager m) {
        return FiniteDifferences.trainableGradientError(loss, at, kit.autograd(), 1e-6, m);
    }

    private static NDManager managerOf(Params q) {
        return q.arrays().get(0).getManager();
    }

    // ---- max-pooling with indices, unpooling ----

    @Test
    void poolKeepsTheFirstMaximumOfEachWindowAsPyTorchDoes() {
        try (NDManager m = kit.manager().newSubManager()) {
            // One 4x4 channel: windows with a unique maximum, a tie (3 at (0,1) and (1,0)), all zeros, all equal.
            double[] x = {
                1, 3, 0, 0,
                3, 0, 0, 0,
                5, 2, 7, 7,
                1, 4, 7, 7};
            IndexedMaxPool.Pooled p = IndexedMaxPool.pool(constant(m, x, new Shape(1, 1, 4, 4)));
            assertArrayEquals(new double[] {3, 0, 5, 7}, p.values().toDoubleArray());
            double[] expectedMask = {
                0, 1, 1, 0,
                0, 0, 0, 0,
                1, 0, 1, 0,
                0, 0, 0, 0};
            assertArrayEquals(expectedMask, p.mask().toDoubleArray(), "first maximum in row-major window order");
            NDArray z = constant(m, new double[] {10, 20, 30, 40}, new Shape(1, 1, 2, 2));
            double[] expectedUnpooled = {
                0, 10, 20, 0,
                0, 0, 0, 0,
                30, 0, 40, 0,
                0, 0, 0, 0};
            assertArrayEquals(expectedUnpooled, IndexedMaxPool.unpool(z, p.mask()).toDoubleArray());
        }
    }

    @Test
    void poolAgreesWithTheEngineAndUnpoolRestoresTheMaxima() {
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray x = constant(m, gaussian(new Rng(1), 2 * 3 * 6 * 8, 1, 0), new Shape(2, 3, 6, 8));
            IndexedMaxPool.Pooled p = IndexedMaxPool.pool(x);
            NDArray engine = Pool.maxPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
            assertArrayEquals(engine.toDoubleArray(), p.values().toDoubleArray());
            assertEquals(new Shape(2, 3, 6, 8), p.mask().getShape());
            assertEquals(2 * 3 * 3 * 4, p.mask().sum().getDouble(), 0, "one position per window");
            // Unpooling the pooled values keeps exactly the maxima of x.
            NDArray back = IndexedMaxPool.unpool(p.values(), p.mask());
            assertArrayEquals(x.mul(p.mask()).toDoubleArray(), back.toDoubleArray(), 0);
            assertThrows(IllegalArgumentException.class,
                    () -> IndexedMaxPool.pool(constant(m, new double[15], new Shape(1, 1, 3, 5))));
            assertThrows(IllegalArgumentException.class, () -> IndexedMaxPool.unpool(p.values(), x.get(":, :, 0:4")));
        }
    }

    @Test
    void poolAndUnpoolGradientsMatchFiniteDifferences() {
        Rng rng = new Rng(2);
        try (NDManager m = kit.manager().newSubManager()) {
            Shape full = new Shape(2, 2, 4, 6);
            Shape half = new Shape(2, 2, 2, 3);
            Params at = Params.builder()
                    .add("x", leaf(m, gaussian(rng, (int) full.size(), 1, 0), full))
                    .add("z", leaf(m, gaussian(rng, (int) half.size(), 1, 0), half)).build();
            double[] r1 = gaussian(rng, (int) half.size(), 1, 0);
            double[] r2 = gaussian(rng, (int) full.size(), 1, 0);
            Function<Params, NDArray> loss = q -> {
                NDManager qm = managerOf(q);
                IndexedMaxPool.Pooled p = IndexedMaxPool.pool(q.get("x"));
                NDArray a = p.values().mul(constant(qm, r1, half)).sum();
                // The unpooled z, and the unpooled pooled values (x's gradient through both paths).
                NDArray b = IndexedMaxPool.unpool(q.get("z").add(p.values()), p.mask()).mul(constant(qm, r2, full)).sum();
                return a.add(b);
            };
            double err = gradientError(loss, at, m);
            assertTrue(err < 1e-7, "relative error " + err);
        }
    }

    // ---- bilinear upsampling ----

    @Test
    void bilinearUpsamplingAlignsCorners() {
        try (NDManager m = kit.manager().newSubManager()) {
            // n = 2 -> 4: sources 0, 1/3, 2/3, 1.
            assertArrayEquals(new double[] {1, 0, 2.0 / 3, 1.0 / 3, 1.0 / 3, 2.0 / 3, 0, 1},
                    Bilinear.matrix(m, 2, DataType.FLOAT64).toDoubleArray(), 1e-15);
            assertArrayEquals(new double[] {1, 1}, Bilinear.matrix(m, 1, DataType.FLOAT64).toDoubleArray());
            // Separable: rows 0..2 and columns 0..1 of f(r, c) = r + 10 c, upsampled, is f at the aligned positions.
            double[] x = new double[6];
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 2; c++) {
                    x[r * 2 + c] = r + 10 * c;
                }
            }
            double[] y = Bilinear.upsample2x(constant(m, x, new Shape(1, 1, 3, 2))).toDoubleArray();
            for (int r = 0; r < 6; r++) {
                for (int c = 0; c < 4; c++) {
                    assertEquals(r * 2.0 / 5 + 10 * c / 3.0, y[r * 4 + c], 1e-12, "pixel " + r + ", " + c);
                }
            }
            Rng rng = new Rng(3);
            Shape s = new Shape(2, 3, 3, 4);
            Params at = Params.builder().add("x", leaf(m, gaussian(rng, (int) s.size(), 1, 0), s)).build();
            double[] r = gaussian(rng, 2 * 3 * 6 * 8, 1, 0);
            double err = gradientError(q -> Bilinear.upsample2x(q.get("x"))
                    .mul(constant(managerOf(q), r, new Shape(2, 3, 6, 8))).sum(), at, m);
            assertTrue(err < 1e-7, "relative error " + err);
        }
    }

    // ---- attention module ----

    @Test
    void attentionModuleTrainingGradientMatchesFiniteDifferences() {
        Layers layers = new Layers(kit.context(dev.meta4j.runtime.plugin.PluginKind.MODEL, "mtan-segnet", "").convolution(),
                kit.autograd(), 0.1, 1e-5);
        Rng rng = new Rng(4);
        try (NDManager m = kit.manager().newSubManager()) {
            Params.Builder b = Params.builder();
            Shape s = new Shape(3, 5, 3, 4);
            b.add("x", leaf(m, gaussian(rng, (int) s.size(), 1, 0.2), s));
            layers.attention(b, "att", 5, 4, 3, m, rng, DataType.FLOAT64);
            Params declared = b.build();
            // Move the batch norms' scales and shifts away from 1 and 0, so their gradients are not special.
            Params at = declared.map(a -> a.hasGradient() && a.getShape().dimension() == 1 ? shifted(m, a, rng) : a);
            double[] r = gaussian(rng, 3 * 3 * 3 * 4, 1, 0);
            double err = gradientError(q -> layers.attention(q, "att", q.get("x"), Forward.training(new Rng(0)))
                    .mul(constant(managerOf(q), r, new Shape(3, 3, 3, 4))).sum(), at, m);
            assertTrue(err < 1e-7, "relative error " + err);
        }
    }

    private static NDArray shifted(NDManager m, NDArray a, Rng rng) {
        double[] v = a.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            v[i] += 0.3 * rng.nextGaussian();
        }
        return leaf(m, v, a.getShape());
    }

    // ---- NNConv, GRU, Set2Set ----

    /** Three molecules in 4 slots: 2 atoms (slots 0, 1), 3 atoms (slots 0, 2, 3), 1 atom (slot 2). */
    static final double[][] SLOTS = {{1, 1, 0, 0}, {1, 0, 1, 1}, {0, 0, 1, 0}};

    static NDArray molecules(NDManager m, Rng rng, long f, long e) {
        int n = SLOTS.length;
        int slots = SLOTS[0].length;
        long width = Molecules.width(slots, f, e);
        double[] v = gaussian(rng, (int) (n * slots * width), 1, 0); // padding holds junk too: it must not matter
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < slots; s++) {
                v[(int) ((i * slots + s) * width)] = SLOTS[i][s];
            }
        }
        return constant(m, v, new Shape(n, slots, width));
    }

    @Test
    void nnConvEqualsPerEdgeMessagesAndItsGradientMatchesFiniteDifferences() {
        Rng rng = new Rng(5);
        int f = 3;
        int e = 2;
        int in = 3;
        int out = 2;
        int hidden = 4;
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray input = molecules(m, rng, f, e);
            Molecules mol = Molecules.unpack(input, f, e);
            Params.Builder b = Params.builder();
            b.add("x", leaf(m, gaussian(rng, 3 * 4 * in, 1, 0), new Shape(3, 4, in)));
            NnConv.declare(b, "conv", in, out, e, hidden, m, rng, DataType.FLOAT64);
            Params at = b.build().map(a -> a.getShape().dimension() == 1 ? shifted(m, a, rng) : a);
            // Against PyG's definition, edge by edge: x'_i = root x_i + b + mean_j Θ(e_ij)ᵀ x_j.
            NDArray y = NnConv.apply(at, "conv", at.get("x"), NnConv.edgeCodes(at, "conv", mol));
            double[] expected = perEdge(at, input.toDoubleArray(), f, e, in, out, hidden);
            double[] actual = y.toDoubleArray();
            for (int n = 0; n < 3; n++) {
                for (int i = 0; i < 4; i++) {
                    if (SLOTS[n][i] == 1) {
                        for (int c = 0; c < out; c++) {
                            int k = (n * 4 + i) * out + c;
                            assertEquals(expected[k], actual[k], 1e-12, "molecule " + n + " atom " + i);
                        }
                    }
                }
            }
            double[] r = gaussian(rng, 3 * 4 * out, 1, 0);
            double err = gradientError(q -> {
                NDManager qm = managerOf(q);
                Molecules mq = Molecules.unpack(input, f, e);
                return NnConv.apply(q, "conv", q.get("x"), NnConv.edgeCodes(q, "conv", mq))
                        .mul(mq.nodeMask()).mul(constant(qm, r, new Shape(3, 4, out))).sum();
            }, at, m);
            assertTrue(err < 1e-7, "relative error " + err);
        }
    }

    private static double[] perEdge(Params p, double[] input, int f, int e, int in, int out, int hidden) {
        double[] x = p.get("x").toDoubleArray();
        double[] w0 = p.get("conv.nn.0.weight").toDoubleArray();
        double[] b0 = p.get("conv.nn.0.bias").toDoubleArray();
        double[] w2 = p.get("conv.nn.2.weight").toDoubleArray();
        double[] b2 = p.get("conv.nn.2.bias").toDoubleArray();
        double[] root = p.get("conv.root.weight").toDoubleArray();
        double[] bias = p.get("conv.bias").toDoubleArray();
        int slots = 4;
        int width = 1 + f + e * slots;
        double[] y = new double[3 * slots * out];
        for (int n = 0; n < 3; n++) {
            for (int i = 0; i < slots; i++) {
                double[] sum = new double[out];
                int degree = 0;
                for (int j = 0; j < slots; j++) {
                    if (i == j || SLOTS[n][i] == 0 || SLOTS[n][j] == 0) {
                        continue;
                    }
                    degree++;
                    double[] h = new double[hidden];
                    for (int k = 0; k < hidden; k++) {
                        h[k] = b0[k];
                        for (int c = 0; c < e; c++) {
                            h[k] += w0[k * e + c] * input[(n * slots + i) * width + 1 + f + e * j + c];
                        }
                        h[k] = Math.max(h[k], 0);
                    }
                    for (int a = 0; a < in; a++) {
                        for (int c = 0; c < out; c++) {
                            double theta = b2[a * out + c];
                            for (int k = 0; k < hidden; k++) {
                                theta += w2[(a * out + c) * hidden + k] * h[k];
                            }
                            sum[c] += x[(n * slots + j) * in + a] * theta;
                        }
                    }
                }
                for (int c = 0; c < out; c++) {
                    double v = degree == 0 ? 0 : sum[c] / degree;
                    v += bias[c];
                    for (int a = 0; a < in; a++) {
                        v += root[c * in + a] * x[(n * slots + i) * in + a];
                    }
                    y[(n * slots + i) * out + c] = v;
                }
            }
        }
        return y;
    }

    @Test
    void gruAndLstmStepGradientsMatchFiniteDifferences() {
        Rng rng = new Rng(6);
        try (NDManager m = kit.manager().newSubManager()) {
            Params.Builder b = Params.builder();
            b.add("x", leaf(m, gaussian(rng, 2 * 3 * 4, 1, 0), new Shape(2, 3, 4)));
            b.add("h", leaf(m, gaussian(rng, 2 * 3 * 5, 1, 0), new Shape(2, 3, 5)));
            b.add("c", leaf(m, gaussian(rng, 2 * 3 * 5, 1, 0), new Shape(2, 3, 5)));
            Recurrent.declare(b, "gru", 3, 4, 5, m, rng, DataType.FLOAT64);
            Recurrent.declare(b, "lstm", 4, 4, 5, m, rng, DataType.FLOAT64);
            Params at = b.build();
            double[] r = gaussian(rng, 2 * 3 * 5, 1, 0);
            double[] r2 = gaussian(rng, 2 * 3 * 5, 1, 0);
            double err = gradientError(q -> {
                NDManager qm = managerOf(q);
                Shape s = new Shape(2, 3, 5);
                NDArray g = Recurrent.gru(q, "gru", q.get("x"), q.get("h"));
                NDList l = Recurrent.lstm(q, "lstm", q.get("x"), q.get("h"), q.get("c"));
                return g.mul(constant(qm, r, s)).sum().add(l.get(0).mul(constant(qm, r2, s)).sum())
                        .add(l.get(1).mul(constant(qm, r, s)).sum());
            }, at, m);
            assertTrue(err < 1e-7, "relative error " + err);
        }
    }

    @Test
    void set2setIgnoresEmptySlotsAndItsGradientMatchesFiniteDifferences() {
        Rng rng = new Rng(7);
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray input = molecules(m, rng, 1, 1);
            Molecules mol = Molecules.unpack(input, 1, 1);
            Params.Builder b = Params.builder();
            b.add("x", leaf(m, gaussian(rng, 3 * 4 * 3, 1, 0), new Shape(3, 4, 3)));
            Set2Set.declare(b, "s2s", 3, m, rng, DataType.FLOAT64);
            Params at = b.build();
            double[] r = gaussian(rng, 3 * 6, 1, 0);
            Function<Params, NDArray> loss = q -> Set2Set.apply(q, "s2s", q.get("x"), mol.nodeMask(), mol.present(), 3)
                    .mul(constant(managerOf(q), r, new Shape(3, 6))).sum();
            double err = gradientError(loss, at, m);
            assertTrue(err < 1e-7, "relative error " + err);
            // Junk in the empty slots changes nothing.
            double before = loss.apply(at).getDouble();
            NDArray junk = at.get("x").add(constant(m, gaussian(rng, 3 * 4 * 3, 100, 0), new Shape(3, 4, 3))
                    .mul(mol.nodeMask().neg().add(1)));
            double after = loss.apply(at.withArrays(java.util.List.of(junk, at.get("s2s.lstm.weight-ih"),
                    at.get("s2s.lstm.weight-hh"), at.get("s2s.lstm.bias-ih"), at.get("s2s.lstm.bias-hh")))).getDouble();
            assertEquals(before, after, 1e-12);
        }
    }

    @Test
    void moleculesAreUnpackedWithTheirMasksAndMeanWeights() {
        try (NDManager m = kit.manager().newSubManager()) {
            Molecules mol = Molecules.unpack(molecules(m, new Rng(8), 2, 3), 2, 3);
            assertEquals(new Shape(3, 4, 2), mol.atoms().getShape());
            assertEquals(new Shape(3, 4, 4, 3), mol.edges().getShape());
            double[] w = mol.weights().toDoubleArray();
            // Molecule 1 (slots 0, 2, 3): each real atom averages over the two others.
            assertArrayEquals(new double[] {0, 0, 0.5, 0.5, 0, 0, 0, 0, 0.5, 0, 0, 0.5, 0.5, 0, 0.5, 0},
                    java.util.Arrays.copyOfRange(w, 16, 32));
            assertArrayEquals(new double[16], java.util.Arrays.copyOfRange(w, 32, 48), "a lone atom has no neighbours");
            assertArrayEquals(new double[] {1, 1, 1}, mol.present().toDoubleArray());
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> Molecules.unpack(constant(m, new double[3 * 4 * 10], new Shape(3, 4, 10)), 2, 3));
            assertTrue(bad.getMessage().contains("[N, M, 1 + F + E*M] = [N, M, 15]"), bad.getMessage());
        }
    }
}
