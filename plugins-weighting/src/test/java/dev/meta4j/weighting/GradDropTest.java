package dev.meta4j.weighting;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import dev.meta4j.api.Rng;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.Constraint;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GradDrop against {@code scripts/reference/weighting_graddrop_golden.py}, an element-by-element
 * float64 computation of the paper's Algorithm 1 from fixed gradients and fixed uniform draws;
 * the plugin's draws from its seeded generator; and properties that hold whatever the draws.
 */
class GradDropTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 4);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    /** One golden case, as arrays of a type. */
    private record Case(String name, int k, Shape shape, GradDrop.Settings settings, double[][] g, double[] a,
            double[] u, double[] expected) {

        static Case of(JsonObject c) {
            JsonObject s = c.getAsJsonObject("settings");
            double[] shape = Golden.vector(c.getAsJsonArray("shape"));
            long[] dims = new long[shape.length];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = (long) shape[i];
            }
            return new Case(c.get("name").getAsString(), c.get("K").getAsInt(), new Shape(dims),
                    new GradDrop.Settings(s.get("leak").getAsDouble(), s.get("input_sign").getAsBoolean(),
                            s.get("sum_batch").getAsBoolean(), s.get("keep_norm").getAsBoolean(),
                            s.get("eps").getAsDouble()),
                    Golden.matrix(c.getAsJsonArray("G")), Golden.vector(c.getAsJsonArray("A")),
                    Golden.vector(c.getAsJsonArray("U")), Golden.vector(c.getAsJsonArray("gradient")));
        }

        NDArray gradients(NDManager m, DataType type) {
            return Golden.array(g, m, type);
        }

        NDArray representation(NDManager m, DataType type) {
            return Golden.array(a, m, type).reshape(shape);
        }

        NDArray uniform(NDManager m, DataType type) {
            return Golden.array(u, m, type).reshape(GradDrop.uniformShape(shape, settings.sumBatch()));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Golden.graddrop().stream().map(Case::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theNewGradientIsTheReferencesInFloat64AndFloat32(Case c) {
        double scale = Math.max(1, Golden.maxAbs(c.expected()));
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray out = GradDrop.drop(c.gradients(m, DataType.FLOAT64), c.representation(m, DataType.FLOAT64),
                    c.uniform(m, DataType.FLOAT64), c.settings());
            assertEquals(c.shape(), out.getShape(), "shaped like the representation");
            double err = Golden.maxAbs(Golden.sub(Golden.values(out), c.expected()));
            assertTrue(err <= 1e-13 * scale, c.name() + " float64: max error " + err);

            // every U is at least 1e-3 from its P, so float32 keeps and drops the same gradients
            NDArray out32 = GradDrop.drop(c.gradients(m, DataType.FLOAT32), c.representation(m, DataType.FLOAT32),
                    c.uniform(m, DataType.FLOAT32), c.settings());
            assertEquals(DataType.FLOAT32, out32.getDataType());
            double err32 = Golden.maxAbs(Golden.sub(Golden.values(out32), c.expected()));
            assertTrue(err32 <= 1e-5 * scale, c.name() + " float32: max error " + err32);
        }
    }

    @Test
    void thePluginDrawsItsUniformsFromItsSeededGenerator() {
        Case c = cases().filter(x -> x.name().equals("k2_paper")).findFirst().orElseThrow();
        WeightingMethod method = kit.create(PluginKind.WEIGHTING, "graddrop", "", WeightingMethod.class);
        assertEquals(Need.REPRESENTATION_GRADIENTS, method.need(0));
        assertEquals(Need.REPRESENTATION_GRADIENTS, method.need(12345));
        // the kit gives every context of a kind the same split of its master seed
        Rng mirror = kit.context(PluginKind.WEIGHTING, "graddrop", "").rng();
        double[] previous = null;
        for (long step = 0; step < 3; step++) {
            try (NDManager m = kit.manager().newSubManager()) {
                TaskSignals s = new TaskSignals(Golden.array(new double[] {0.5, 1.5}, m, DataType.FLOAT64), null,
                        c.gradients(m, DataType.FLOAT64), c.representation(m, DataType.FLOAT64), Golden.clock(step), m);
                Combination.RepresentationGradient out =
                        assertInstanceOf(Combination.RepresentationGradient.class, method.combine(s));
                NDArray u = kit.random().uniform(mirror, GradDrop.uniformShape(c.shape(), true), DataType.FLOAT64, m);
                double[] expected = Golden.values(GradDrop.drop(s.representationGradients(), s.representation(), u,
                        new GradDrop.Settings(0, true, true, false, 1e-7)));
                double[] got = Golden.values(out.gradient());
                assertArrayEquals(expected, got, 0, "step " + step + ": U from the plugin's generator, one draw per step");
                assertArrayEquals(new double[] {1, 1}, Golden.values(out.headWeights()), 0, "heads get their own gradients");
                assertNull(out.taskWeights(), "graddrop has no task weights to log");
                assertFalse(out.gradient().hasGradient());
                double[] draws = Golden.values(u);
                if (previous != null) {
                    assertFalse(java.util.Arrays.equals(previous, draws), "each step draws anew");
                }
                previous = draws;
            }
        }
    }

    /** With leak 1 every gradient passes: the sum of the task gradients, whatever U. */
    @Test
    void leakOneKeepsEverything() {
        for (Case c : cases().toList()) {
            GradDrop.Settings all = new GradDrop.Settings(1, c.settings().inputSign(), c.settings().sumBatch(), false, 1e-7);
            try (NDManager m = kit.manager().newSubManager()) {
                double[] out = Golden.values(GradDrop.drop(c.gradients(m, DataType.FLOAT64),
                        c.representation(m, DataType.FLOAT64), c.uniform(m, DataType.FLOAT64), all));
                assertArrayEquals(Golden.combine(TaskGradients.ones(c.k()), c.g()), out, 1e-12, c.name());
            }
        }
    }

    /**
     * Without a leak, each element of the new gradient is the sum of the task gradients of one sign
     * (the kept sign, in the batch-summed, sign-corrected G) or 0: for every element, the output is
     * sum_i [G_i has the kept sign] g_i, checked here by trying both signs.
     */
    @Test
    void eachElementIsTheSumOfOneSignsGradients() {
        Rng rng = new Rng(77);
        int k = 3;
        int n = 6;
        int d = 5;
        double[][] g = new double[k][n * d];
        double[] a = new double[n * d];
        for (int j = 0; j < n * d; j++) {
            a[j] = rng.uniform(-1, 1);
            for (int i = 0; i < k; i++) {
                g[i][j] = rng.uniform(-1, 1);
            }
        }
        try (NDManager m = kit.manager().newSubManager()) {
            GradDrop.Settings per = new GradDrop.Settings(0, false, false, false, 1e-7);
            NDArray u = kit.random().uniform(new Rng(3), GradDrop.uniformShape(new Shape(n, d), false), DataType.FLOAT64, m);
            double[] out = Golden.values(GradDrop.drop(Golden.array(g, m, DataType.FLOAT64),
                    Golden.array(a, m, DataType.FLOAT64).reshape(n, d), u, per));
            double[] uv = Golden.values(u);
            for (int j = 0; j < n * d; j++) {
                double pos = 0;
                double neg = 0;
                double sum = 0;
                double mass = 0;
                for (int i = 0; i < k; i++) {
                    pos += g[i][j] > 0 ? g[i][j] : 0;
                    neg += g[i][j] < 0 ? g[i][j] : 0;
                    sum += g[i][j];
                    mass += Math.abs(g[i][j]);
                }
                double p = 0.5 * (1 + sum / (mass + 1e-7));
                double expected = p > uv[j] ? pos : neg;
                assertEquals(expected, out[j], 1e-12, "element " + j);
            }
        }
    }

    @Test
    void missingSignalsAndWrongShapesAreErrors() {
        WeightingMethod method = kit.create(PluginKind.WEIGHTING, "graddrop", "", WeightingMethod.class);
        try (NDManager m = kit.manager().newSubManager()) {
            TaskSignals losses = Golden.lossesOnly(new double[] {1, 2}, 0, m, DataType.FLOAT64);
            assertThrows(IllegalStateException.class, () -> method.combine(losses));
            GradDrop.Settings s = new GradDrop.Settings(0, true, true, false, 1e-7);
            NDArray g = m.zeros(new Shape(2, 12), DataType.FLOAT64);
            NDArray a = m.zeros(new Shape(3, 4), DataType.FLOAT64);
            assertThrows(IllegalArgumentException.class,
                    () -> GradDrop.drop(g, m.zeros(new Shape(3, 5), DataType.FLOAT64), m.zeros(new Shape(1, 5)), s));
            assertThrows(IllegalArgumentException.class,
                    () -> GradDrop.drop(g, a, m.zeros(new Shape(3, 4), DataType.FLOAT64), s), "U of the wrong shape");
            assertThrows(IllegalArgumentException.class, () -> GradDrop.uniformShape(new Shape(), true));
        }
        assertThrows(IllegalArgumentException.class, () -> new GradDrop.Settings(1.5, true, true, false, 1e-7));
        assertThrows(IllegalArgumentException.class, () -> new GradDrop.Settings(0, true, true, false, 0));
    }

    @Test
    void defaultsAreThePapersAndEveryKeyIsDocumented() {
        ConfigLoader loader = new ConfigLoader(PluginRegistry.discover(List.of()));
        Config section = loader.reference().getConfig(PluginKind.WEIGHTING.defaultsPath("graddrop"));
        assertEquals(Map.of("leak", 0, "input-sign", true, "sum-batch", true, "keep-norm", false, "eps", 1e-7),
                section.root().unwrapped());
        for (Map.Entry<String, ConfigValue> e : section.entrySet()) {
            ConfigValue v = e.getValue();
            assertFalse(v.origin().comments().isEmpty(), e.getKey() + " has a comment");
            if (v.unwrapped() instanceof Number) {
                assertTrue(Constraint.of(v).isPresent(), e.getKey() + " has a @range");
                assertTrue(Constraint.of(v).get().violation(v).isEmpty(), e.getKey() + " default is valid");
            }
        }
    }
}
