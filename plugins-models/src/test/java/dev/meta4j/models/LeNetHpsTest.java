package dev.meta4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.RegressionTask;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.FiniteDifferences;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The LeNet with one head per task: shapes and names as in the reference script, the
 * shared/head split, PyTorch's default initialisation, the forward pass against numbers from
 * PyTorch running the reference model, and gradients against float64 finite differences.
 */
class LeNetHpsTest {

    private static final DataSpec FASHION = new DataSpec(new long[] {1, 36, 36}, List.of(
            new ClassificationTask("left", 10), new ClassificationTask("right", 10)));

    private static final List<String> NAMES = List.of("encoder.conv1.weight", "encoder.conv1.bias",
            "encoder.conv2.weight", "encoder.conv2.bias", "encoder.fc.weight", "encoder.fc.bias", "head.left.weight",
            "head.left.bias", "head.right.weight", "head.right.bias");
    private static final List<Shape> SHAPES = List.of(new Shape(10, 1, 5, 5), new Shape(10), new Shape(20, 10, 5, 5),
            new Shape(20), new Shape(50, 720), new Shape(50), new Shape(10, 50), new Shape(10), new Shape(10, 50),
            new Shape(10));
    private static final int[] FAN_IN = {25, 25, 250, 250, 720, 720, 50, 50, 50, 50};

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

    private static LeNetHps model(PluginTestKit k, String overrides) {
        return (LeNetHps) k.create(PluginKind.MODEL, "lenet-hps", overrides, Backbone.class);
    }

    private static double[] uniformInputs(Rng rng, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rng.nextDouble();
        }
        return x;
    }

    @Test
    void parametersHaveTheReferenceNamesAndShapes() {
        LeNetHps net = model(kit, "");
        Params p = net.init(FASHION, new Rng(0), kit.manager(), DataType.FLOAT64);
        assertEquals(NAMES, p.names());
        for (int i = 0; i < NAMES.size(); i++) {
            assertEquals(SHAPES.get(i), p.get(NAMES.get(i)).getShape(), NAMES.get(i));
            assertEquals(DataType.FLOAT64, p.get(NAMES.get(i)).getDataType());
            assertTrue(p.get(NAMES.get(i)).hasGradient(), NAMES.get(i) + " requires a gradient");
        }
        assertEquals(42350, p.elementCount());
    }

    @Test
    void outputShapesAndManagers() {
        LeNetHps net = model(kit32, "");
        Params p = net.init(FASHION, new Rng(0), kit32.manager(), DataType.FLOAT32);
        try (NDManager m = kit32.manager().newSubManager()) {
            NDArray x = m.create(new float[5 * 36 * 36], new Shape(5, 1, 36, 36)).add(0.5f);
            NDArray z = net.encode(p, x, Forward.training(new Rng(0)));
            assertEquals(new Shape(5, 50), z.getShape());
            assertEquals(DataType.FLOAT32, z.getDataType());
            assertTrue(z.min().getFloat() >= 0f, "the representation is after a ReLU");
            NDList out = net.forward(p, x, Forward.evaluation(new Rng(0)));
            assertEquals(2, out.size());
            for (NDArray o : out) {
                assertEquals(new Shape(5, 10), o.getShape());
                assertEquals(m, o.getManager(), "results join the input's (per-step) manager");
            }
            assertEquals(m, z.getManager());
            NDList decoded = net.heads(p, z, Forward.evaluation(new Rng(0)));
            assertArrayEquals(out.get(1).toFloatArray(), decoded.get(1).toFloatArray());
        }
    }

    @Test
    void headsFollowTheSpecAndNonSquareInputs() {
        DataSpec spec = new DataSpec(new long[] {3, 20, 24}, List.of(new ClassificationTask("a", 3),
                new RegressionTask("b.c", 7), new RegressionTask("d", 1)));
        LeNetHps net = model(kit32, "");
        Params p = net.init(spec, new Rng(0), kit32.manager(), DataType.FLOAT32);
        assertEquals(new Shape(10, 3, 5, 5), p.get("encoder.conv1.weight").getShape());
        // 20 -> 16 -> 8 -> 4 -> 2 and 24 -> 20 -> 10 -> 6 -> 3: 20 * 2 * 3 = 120
        assertEquals(new Shape(50, 120), p.get("encoder.fc.weight").getShape());
        assertEquals(new Shape(3, 50), p.get("head.a.weight").getShape());
        assertEquals(new Shape(7, 50), p.get("head.b.c.weight").getShape());
        assertEquals(new Shape(1), p.get("head.d.bias").getShape());
        assertEquals(1, p.headOf("head.b.c.weight"));
        assertEquals(2, p.headOf("head.d.bias"));
        assertEquals(3, p.headCount());
        try (NDManager m = kit32.manager().newSubManager()) {
            NDList out = net.forward(p, m.ones(new Shape(2, 3, 20, 24)), Forward.training(new Rng(0)));
            assertEquals(List.of(new Shape(2, 3), new Shape(2, 7), new Shape(2, 1)),
                    out.stream().map(NDArray::getShape).toList());
        }
        LeNetHps small = model(kit32, "conv1-channels = 4, conv2-channels = 6, hidden = 8");
        Params q = small.init(FASHION, new Rng(0), kit32.manager(), DataType.FLOAT32);
        assertEquals(new Shape(8, 6 * 6 * 6), q.get("encoder.fc.weight").getShape());
        assertEquals(new Shape(10, 8), q.get("head.right.weight").getShape());
    }

    @Test
    void rejectsSpecsItCannotServe() {
        LeNetHps net = model(kit32, "");
        String m = assertThrows(IllegalArgumentException.class, () -> net.init(new DataSpec(new long[] {784},
                FASHION.tasks()), new Rng(0), kit32.manager(), DataType.FLOAT32)).getMessage();
        assertTrue(m.contains("[channels, height, width]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> net.init(new DataSpec(new long[] {1, 12, 12},
                FASHION.tasks()), new Rng(0), kit32.manager(), DataType.FLOAT32)).getMessage();
        assertTrue(m.contains("at least 16"), m);
        m = assertThrows(IllegalArgumentException.class, () -> net.init(new DataSpec(new long[] {1, 36, 36},
                List.of(new ClassificationTask("x", 2), new ClassificationTask("x", 3))),
                new Rng(0), kit32.manager(), DataType.FLOAT32)).getMessage();
        assertTrue(m.contains("'x'"), m);
    }

    @Test
    void sharedEncoderAndOneHeadPerTask() {
        LeNetHps net = model(kit32, "");
        Params p = net.init(FASHION, new Rng(0), kit32.manager(), DataType.FLOAT32);
        for (String name : p.names()) {
            int expected = name.startsWith("encoder.") ? Params.ENCODER : name.startsWith("head.left.") ? 0 : 1;
            assertEquals(expected, p.headOf(name), name);
        }
        assertEquals(6, p.encoder().size());
        assertEquals(4, p.heads().size());
        assertEquals(List.of("head.right.weight", "head.right.bias"), p.head(1).names());
        assertEquals(2, p.headCount());
        assertEquals(p.headOf("head.right.bias"), p.map(a -> a).headOf("head.right.bias"), "derived sets keep heads");
        assertThrows(IllegalArgumentException.class, () -> p.headOf("layer0.weight"));
        // the model keeps no task state: another task list is another set of parameters
        Params other = net.init(new DataSpec(new long[] {1, 36, 36},
                List.of(new ClassificationTask("other", 10))), new Rng(0), kit32.manager(),
                DataType.FLOAT32);
        assertEquals(1, other.headCount());
        // heads() reads the heads from the parameters: a representation only moves the heads' output
        try (NDManager m = kit32.manager().newSubManager()) {
            NDArray z = m.ones(new Shape(1, 50));
            float[] left = net.heads(p, z, Forward.evaluation(new Rng(0))).get(0).toFloatArray();
            float[] expected = p.get("head.left.weight").sum(new int[] {1}).add(p.get("head.left.bias")).toFloatArray();
            assertArrayEquals(expected, left, 1e-6f);
        }
    }

    @Test
    void initIsPyTorchDefaultAndDeterministic() {
        LeNetHps net = model(kit, "");
        Params a = net.init(FASHION, new Rng(42), kit.manager(), DataType.FLOAT64);
        Params b = net.init(FASHION, new Rng(42), kit.manager(), DataType.FLOAT64);
        Params c = net.init(FASHION, new Rng(43), kit.manager(), DataType.FLOAT64);
        Params f = net.init(FASHION, new Rng(42), kit32.manager(), DataType.FLOAT32);
        for (int i = 0; i < NAMES.size(); i++) {
            String n = NAMES.get(i);
            double[] va = a.get(n).toDoubleArray();
            assertArrayEquals(va, b.get(n).toDoubleArray(), 0.0, n + ": same Rng, same values");
            assertFalse(Arrays.equals(va, c.get(n).toDoubleArray()), n + ": another Rng, other values");
            float[] vf = f.get(n).toFloatArray();
            for (int j = 0; j < va.length; j++) {
                assertEquals((float) va[j], vf[j], 0f, n + ": float32 is the float64 draw, rounded");
            }
            double bound = 1 / Math.sqrt(FAN_IN[i]);
            double max = 0;
            double sum = 0;
            double sq = 0;
            for (double v : va) {
                assertTrue(Math.abs(v) <= bound, n + ": " + v + " outside +-" + bound);
                max = Math.max(max, Math.abs(v));
                sum += v;
                sq += v * v;
            }
            if (va.length >= 250) {
                // U(-b, b): mean 0, variance b^2 / 3; the extremes come close to the bound
                double mean = sum / va.length;
                double var = sq / va.length - mean * mean;
                double se = bound / Math.sqrt(3 * va.length);
                assertEquals(0, mean, 5 * se, n + " mean");
                assertEquals(bound * bound / 3, var, 0.15 * bound * bound / 3, n + " variance");
                assertTrue(max > 0.97 * bound, n + ": max |w| " + max + " vs bound " + bound);
            }
        }
    }

    @Test
    void forwardMatchesPyTorchRunningTheReferenceModel() throws Exception {
        // lenet-hps-golden.txt is written by src/test/python/lenet_hps_golden.py from the team's
        // reference script (mtl_weighting.py's MultiTaskNet), in float64.
        Map<String, String> params = new HashMap<>();
        List<double[]> logits = new ArrayList<>();
        double[] representation = null;
        int batch = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                LeNetHpsTest.class.getResourceAsStream("lenet-hps-golden.txt"), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                String[] w = line.trim().split("\\s+");
                switch (w[0]) {
                    case "param" -> params.put(w[2], w[1] + " " + w[3]);
                    case "batch" -> batch = Integer.parseInt(w[1]);
                    case "representation" -> representation = numbers(w);
                    case "logits" -> logits.add(numbers(w));
                    default -> { }
                }
            }
        }
        assertNotNull(representation);
        // the reference's state_dict, with heads.0 / heads.1 as head.left / head.right
        Map<String, String> ours = new HashMap<>();
        for (int j = 0; j < NAMES.size(); j++) {
            long[] s = SHAPES.get(j).getShape();
            ours.put(NAMES.get(j).replace("head.left", "heads.0").replace("head.right", "heads.1"),
                    j + " " + String.join(",", Arrays.stream(s).mapToObj(Long::toString).toList()));
        }
        assertEquals(params, ours, "same parameters, order and shapes as the reference model");

        LeNetHps net = model(kit, "");
        Params init = net.init(FASHION, new Rng(0), kit.manager(), DataType.FLOAT64);
        try (NDManager m = kit.manager().newSubManager()) {
            List<NDArray> golden = new ArrayList<>();
            for (int j = 0; j < NAMES.size(); j++) {
                double[] v = new double[Math.toIntExact(SHAPES.get(j).size())];
                for (int i = 0; i < v.length; i++) {
                    v[i] = ((i * 7919L + j * 104729L) % 2001 - 1000) / 1000.0 / Math.sqrt(FAN_IN[j]);
                }
                golden.add(m.create(v, SHAPES.get(j)));
            }
            Params p = init.withArrays(golden);
            double[] x = new double[batch * 36 * 36];
            for (int i = 0; i < x.length; i++) {
                x[i] = ((i * 37L + 11) % 256) / 255.0;
            }
            NDArray input = m.create(x, new Shape(batch, 1, 36, 36));
            assertClose(representation, net.encode(p, input, Forward.evaluation(new Rng(0))).toDoubleArray(), "representation");
            NDList out = net.forward(p, input, Forward.evaluation(new Rng(0)));
            assertEquals(2, logits.size());
            assertClose(logits.get(0), out.get(0).toDoubleArray(), "left logits");
            assertClose(logits.get(1), out.get(1).toDoubleArray(), "right logits");
        }
    }

    private static double[] numbers(String[] words) {
        int from = words[0].equals("logits") ? 2 : 1;
        return Arrays.stream(words, from, words.length).mapToDouble(Double::parseDouble).toArray();
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " size");
        double scale = Arrays.stream(expected).map(Math::abs).max().orElse(1);
        assertTrue(scale > 1e-3, what + " is not trivially zero");
        int nonzero = 0;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-12 * scale, what + "[" + i + "]");
            nonzero += expected[i] != 0 ? 1 : 0;
        }
        assertTrue(nonzero > expected.length / 4, what + ": enough live units to mean something");
    }

    /** Cross-entropy of the left head plus 0.7 times the right head's, on arrays in {@code m}. */
    private static NDArray loss(LeNetHps net, Params p, NDManager m, double[] x, Shape shape, long[][] y) {
        NDArray input = m.create(x, shape);
        NDList out = net.forward(p, input, Forward.training(new Rng(0)));
        NDArray l0 = new ClassificationTask("left", 10).loss(out.get(0), Targets.of(m.create(y[0])));
        NDArray l1 = new ClassificationTask("right", 10).loss(out.get(1), Targets.of(m.create(y[1])));
        return l0.add(l1.mul(0.7));
    }

    private static double[] analyticGradient(LeNetHps net, Params p, double[] x, Shape shape, long[][] y) {
        Autograd ad = kit.autograd();
        try (NDManager m = kit.manager().newSubManager(); Autograd.Scope s = ad.record()) {
            NDArray l = loss(net, p, m, x, shape, y);
            return FiniteDifferences.flatten(ad.grad(l, p.arrays(), GraphMode.RELEASE));
        }
    }

    private static double numericLoss(LeNetHps net, Params p, double[] x, Shape shape, long[][] y) {
        // the finite-difference helper hands over leaves in a fresh sub-manager: work there
        return loss(net, p, p.arrays().get(0).getManager(), x, shape, y).getDouble();
    }

    private static long[][] labels(Rng rng, int n, int classes) {
        long[][] y = new long[2][n];
        for (int t = 0; t < 2; t++) {
            for (int i = 0; i < n; i++) {
                y[t][i] = rng.nextInt(classes);
            }
        }
        return y;
    }

    @Test
    void gradientOfEveryParameterMatchesFiniteDifferences() {
        // 16x16 inputs keep the full check quick: 16 -> 12 -> 6 -> 2 -> 1, fc 20 -> 50
        DataSpec spec = new DataSpec(new long[] {1, 16, 16}, List.of(new ClassificationTask("left", 4),
                new ClassificationTask("right", 3)));
        LeNetHps net = model(kit, "");
        Params p = net.init(spec, new Rng(5), kit.manager(), DataType.FLOAT64);
        Rng rng = new Rng(6);
        Shape shape = new Shape(3, 1, 16, 16);
        double[] x = uniformInputs(rng, 3 * 256);
        long[][] y = labels(rng, 3, 3);
        double[] analytic = analyticGradient(net, p, x, shape, y);
        double[] numeric;
        try (NDManager m = kit.manager().newSubManager()) {
            numeric = FiniteDifferences.gradient(q -> numericLoss(net, q, x, shape, y), p, 1e-6, m);
        }
        assertEquals(p.elementCount(), analytic.length);
        double err = FiniteDifferences.relativeError(analytic, numeric);
        assertTrue(err < 1e-6, "relative error " + err);
        // every parameter tensor gets a non-zero gradient
        int off = 0;
        for (NDArray a : p.arrays()) {
            double n2 = 0;
            for (int i = 0; i < a.size(); i++) {
                n2 += analytic[off + i] * analytic[off + i];
            }
            assertTrue(n2 > 1e-20, "gradient of a parameter vanishes at offset " + off);
            off += Math.toIntExact(a.size());
        }
    }

    @Test
    void directionalDerivativesOnTheFullNetwork() {
        LeNetHps net = model(kit, "");
        Params p = net.init(FASHION, new Rng(8), kit.manager(), DataType.FLOAT64);
        Rng rng = new Rng(9);
        Shape shape = new Shape(4, 1, 36, 36);
        double[] x = uniformInputs(rng, 4 * 36 * 36);
        long[][] y = labels(rng, 4, 10);
        double[] g = analyticGradient(net, p, x, shape, y);
        try (NDManager m = kit.manager().newSubManager()) {
            for (int trial = 0; trial < 4; trial++) {
                double[] v = new double[g.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = rng.nextGaussian();
                }
                double analytic = 0;
                for (int i = 0; i < v.length; i++) {
                    analytic += g[i] * v[i];
                }
                double numeric = FiniteDifferences.directional(q -> numericLoss(net, q, x, shape, y), p, v, 1e-6, m);
                assertEquals(numeric, analytic, 1e-6 * Math.abs(numeric), "direction " + trial);
                assertTrue(Math.abs(numeric) > 1e-3, "direction " + trial + " derivative " + numeric);
            }
        }
    }
}
