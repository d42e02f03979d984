package dev.meta4j.weighting;

import static dev.meta4j.weighting.Golden.relativeError;
import static dev.meta4j.weighting.Golden.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each method, run through its plugin on float64 task gradients, against the golden numbers of
 * the independent Python reference ({@code scripts/reference/weighting_gradient_golden.py}).
 *
 * <p>Tolerances, by solver: closed forms and the deterministic Frank-Wolfe ({@code mgda solver =
 * frank-wolfe}) / PCGrad sequences agree to rounding ({@code 1e-9} relative; only the order of
 * floating-point sums differs). Where MGDA's weights are not unique (identical rows) only the
 * unique quantities are compared: the update and each group's summed weight. MGDA's default exact
 * solver is checked against this file's tight SLSQP values here and against 50-digit optima in
 * {@link MinNormSolversTest}. CAGrad
 * and Nash-MTL are compared with tightly solved references ({@code 1e-6} relative on the update
 * for CAGrad, whose optimum is only as sharp as {@code sqrt} of the objective gap allows near a
 * flat face; {@code 1e-7} for Nash-MTL, whose sub-problem optima are non-degenerate vertices of
 * the active constraints). CAGrad is also compared, more loosely ({@code 2e-4}), with the
 * official call's default SLSQP result, which stops at an absolute {@code ftol = 1e-6}.
 */
class GradientGoldenTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 11);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static WeightingMethod create(String name, String overrides) {
        return kit.create(PluginKind.WEIGHTING, name, overrides, WeightingMethod.class);
    }

    private static Stream<Arguments> records(String method) {
        List<JsonObject> rs = Golden.records(method);
        return rs.stream().map(r -> {
            StringBuilder label = new StringBuilder(r.has("case") ? r.get("case").getAsString() : r.get("name").getAsString());
            for (String k : List.of("normalization", "weights", "c", "rescale")) {
                if (r.has(k)) {
                    label.append(' ').append(k).append('=').append(r.get(k).getAsString());
                }
            }
            return Arguments.of(label.toString(), r);
        });
    }

    static Stream<Arguments> mgda() {
        return records("mgda");
    }

    static Stream<Arguments> pcgrad() {
        return records("pcgrad");
    }

    static Stream<Arguments> cagrad() {
        return records("cagrad");
    }

    static Stream<Arguments> imtl() {
        return records("imtl");
    }

    static Stream<Arguments> nashmtl() {
        return records("nashmtl");
    }

    static Stream<Arguments> nashmtlSequences() {
        return records("nashmtl_sequences").map(a -> {
            JsonObject r = (JsonObject) a.get()[1];
            return Arguments.of(r.get("name").getAsString(), r);
        });
    }

    // ------------------------------------------------------------------ MGDA

    /**
     * The Frank-Wolfe option against the Frank-Wolfe golden. Where rows are identical (k3_identical)
     * the split of their weight depends on how rounding breaks a tie in the argmin, so only what
     * is unique is compared: the weights summed over each group of identical rows, and the update.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("mgda")
    void mgdaFrankWolfeMatchesFrankWolfeReference(String label, JsonObject r) {
        Golden.Case c = Golden.testCase(r.get("case").getAsString());
        String norm = r.get("normalization").getAsString();
        WeightingMethod m = create("mgda", "solver = frank-wolfe, normalization = \"" + norm + "\", weights = "
                + r.get("weights").getAsString());
        assertEquals(Need.SHARED_GRADIENTS, m.need(0));
        List<int[]> groups = Golden.identicalRows(normalized(c, norm));
        double[] expectedW = Golden.groupSums(Golden.vector(r.getAsJsonArray("task_weights")), groups);
        double[] expectedUpdate = Golden.vector(r.getAsJsonArray("update"));
        try (NDManager sm = kit.manager().newSubManager()) {
            Combination.SharedGradient out = assertInstanceOf(Combination.SharedGradient.class,
                    m.combine(Golden.shared(c.g(), c.losses(), 0, sm, DataType.FLOAT64)));
            double[] w = values(out.taskWeights());
            double[] sums = Golden.groupSums(w, groups);
            assertTrue(Golden.maxAbs(Golden.sub(sums, expectedW)) < 1e-9 * c.k(), () -> label + ": weights " + java.util.Arrays.toString(w));
            assertArrayEquals(w, values(out.headWeights()), 0, "heads get the task weights");
            assertTrue(relativeError(values(out.sharedGradient()), expectedUpdate, scale(c)) < 1e-9, label + ": update");
        }
        // Frank-Wolfe stops near, not at, the optimum: within 1e-6 of the largest squared norm
        double[] alpha = Golden.vector(r.getAsJsonArray("alpha"));
        double fw = r.get("fw_min_norm_sq").getAsDouble();
        double exact = r.get("exact_min_norm_sq").getAsDouble();
        assertEquals(1.0, java.util.Arrays.stream(alpha).sum(), 1e-12);
        assertTrue(fw - exact <= 1e-6 * largestSquaredNorm(c, norm) + 1e-15, label + ": Frank-Wolfe gap " + (fw - exact));
    }

    /** The default solver reaches the optimum: never above the golden's tight SLSQP value. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("mgda")
    void mgdaDefaultSolverIsAtLeastAsGoodAsATightSlsqp(String label, JsonObject r) {
        Golden.Case c = Golden.testCase(r.get("case").getAsString());
        String norm = r.get("normalization").getAsString();
        WeightingMethod m = create("mgda", "normalization = \"" + norm + "\", weights = sum-one");
        double[] w;
        try (NDManager sm = kit.manager().newSubManager()) {
            w = values(m.combine(Golden.shared(c.g(), c.losses(), 0, sm, DataType.FLOAT64)).taskWeights());
        }
        double[] u = Golden.combine(w, normalized(c, norm));
        double value = SmallLinearAlgebra.dot(u, u);
        double slsqp = r.get("exact_min_norm_sq").getAsDouble();
        assertTrue(value <= slsqp + 1e-13 * largestSquaredNorm(c, norm), label + ": " + value + " vs SLSQP " + slsqp);
    }

    private static double[][] normalized(Golden.Case c, String norm) {
        double[] s = scales(c, norm);
        double[][] v = new double[c.k()][];
        for (int i = 0; i < c.k(); i++) {
            v[i] = c.g()[i].clone();
            for (int j = 0; j < v[i].length; j++) {
                v[i][j] /= s[i];
            }
        }
        return v;
    }

    private static double largestSquaredNorm(Golden.Case c, String norm) {
        double m = 0;
        for (double[] row : normalized(c, norm)) {
            m = Math.max(m, SmallLinearAlgebra.dot(row, row));
        }
        return m;
    }

    /** The size of the inputs, the floor of relative errors (an update can be exactly 0). */
    private static double scale(Golden.Case c) {
        double m = 0;
        for (double[] row : c.g()) {
            m = Math.max(m, Golden.norm(row));
        }
        return Math.max(m, 1e-300);
    }

    private static double[] scales(Golden.Case c, String norm) {
        double[] s = new double[c.k()];
        for (int i = 0; i < c.k(); i++) {
            double n = Golden.norm(c.g()[i]);
            s[i] = Math.max(switch (norm) {
                case "l2" -> n;
                case "loss" -> c.losses()[i];
                case "loss+" -> c.losses()[i] * n;
                default -> 1;
            }, 1e-12);
        }
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mgda")
    @SuppressWarnings("try") // the recording scope is used only for its side effect
    void mgdaUpperBoundWeightsTheLosses(String label, JsonObject r) {
        Golden.Case c = Golden.testCase(r.get("case").getAsString());
        String norm = r.get("normalization").getAsString();
        WeightingMethod m = create("mgda", "variant = ub, solver = frank-wolfe, normalization = \"" + norm
                + "\", weights = " + r.get("weights").getAsString());
        assertEquals(Need.REPRESENTATION_GRADIENTS, m.need(3));
        List<int[]> groups = Golden.identicalRows(normalized(c, norm));
        double[] expectedW = Golden.vector(r.getAsJsonArray("task_weights"));
        try (NDManager sm = kit.manager().newSubManager()) {
            // the golden G stands in for representation gradients: same solve
            TaskSignals s = Golden.representation(c.g(), c.losses(), 0, sm, DataType.FLOAT64);
            s.losses().setRequiresGradient(true);
            Autograd ag = kit.autograd();
            NDList grads;
            Combination.Objective out;
            try (Autograd.Scope rec = ag.record()) {
                out = assertInstanceOf(Combination.Objective.class, m.combine(s));
                grads = ag.grad(out.objective(), new NDList(s.losses()), GraphMode.RELEASE);
            }
            assertEquals(0, out.maxSharedGradientNorm());
            double[] w = values(grads.get(0));
            assertTrue(Golden.maxAbs(Golden.sub(Golden.groupSums(w, groups), Golden.groupSums(expectedW, groups)))
                    < 1e-9 * c.k(), label);
            // the losses of identical rows are equal here, so the objective is unique too
            assertEquals(SmallLinearAlgebra.dot(expectedW, c.losses()), out.objective().getDouble(), 1e-9 * c.k());
        }
    }

    // ------------------------------------------------------------------ PCGrad

    @ParameterizedTest(name = "{0}")
    @MethodSource("pcgrad")
    void pcgradMatchesVectorProjections(String label, JsonObject r) {
        Golden.Case c = Golden.testCase(r.get("case").getAsString());
        int[][] orders = Golden.intMatrix(r.getAsJsonArray("orders"));
        double[] w = PcGrad.weights(Golden.gram(c.g()), orders);
        double[] expected = Golden.vector(r.getAsJsonArray("update"));
        assertTrue(relativeError(Golden.combine(w, c.g()), expected, scale(c)) < 1e-10, label);
        try (NDManager sm = kit.manager().newSubManager()) {
            NDArray g = Golden.array(c.g(), sm, DataType.FLOAT64);
            // the Gram matrix the plugin uses (one torch matmul) gives the same update
            double[] wt = PcGrad.weights(TaskGradients.gram(g), orders);
            assertTrue(relativeError(values(TaskGradients.combine(wt, g, sm)), expected, scale(c)) < 1e-10, label);
        }
    }

    // ------------------------------------------------------------------ CAGrad

    @ParameterizedTest(name = "{0}")
    @MethodSource("cagrad")
    void cagradMatchesTightDualSolution(String label, JsonObject r) {
        Golden.Case c = Golden.testCase(r.get("case").getAsString());
        double cc = r.get("c").getAsDouble();
        int rescale = r.get("rescale").getAsInt();
        WeightingMethod m = create("cagrad", "c = " + cc + ", rescale = " + rescale);
        double[] expected = Golden.vector(r.getAsJsonArray("update"));
        double[] update;
        try (NDManager sm = kit.manager().newSubManager()) {
            Combination.SharedGradient out = assertInstanceOf(Combination.SharedGradient.class,
                    m.combine(Golden.shared(c.g(), c.losses(), 0, sm, DataType.FLOAT64)));
            update = values(out.sharedGradient());
            assertArrayEquals(TaskGradients.ones(c.k()), values(out.headWeights()), 0, "heads weight 1");
            assertTrue(relativeError(Golden.combine(values(out.taskWeights()), c.g()), update, 1e-300) < 1e-12,
                    "task weights are the update's coefficients");
        }
        assertTrue(relativeError(update, expected, scale(c)) < 1e-6,
                () -> label + ": update differs by " + relativeError(update, expected, scale(c)));

        // our optimum is at least as good as the tight reference's, and its x agrees where x is unique
        double[][] a = Golden.gram(c.g());
        CaGradDual.Solution sol = CaGradDual.solve(a, cc);
        double scale = Golden.maxAbs(java.util.Arrays.stream(a).flatMapToDouble(java.util.Arrays::stream).toArray());
        double ours = CaGradDual.objective(a, sol.c(), sol.x());
        assertTrue(ours <= r.get("objective").getAsDouble() + 1e-11 * Math.max(scale, 1e-300),
                label + ": objective " + ours + " vs " + r.get("objective").getAsDouble());
        if (r.get("x_unique").getAsBoolean()) {
            double[] x = Golden.vector(r.getAsJsonArray("x"));
            assertTrue(Golden.maxAbs(Golden.sub(sol.x(), x)) < 1e-5, label + ": x " + java.util.Arrays.toString(sol.x()));
        }
        // the official default SLSQP stops at an absolute ftol of 1e-6: close on unit-scale
        // gradients, never better than ours, and visibly off on small gradients (k*_small)
        double official = r.get("objective_official_slsqp").getAsDouble();
        assertTrue(ours <= official + 1e-11 * Math.max(scale, 1e-300), label);
        if (!label.contains("small")) {
            double[] off = Golden.vector(r.getAsJsonArray("update_official_slsqp"));
            assertTrue(relativeError(update, off, scale(c)) < 2e-4, label + ": vs official SLSQP "
                    + relativeError(update, off, scale(c)));
        }
    }

    // ------------------------------------------------------------------ IMTL

    @ParameterizedTest(name = "{0}")
    @MethodSource("imtl")
    void imtlMatchesClosedForm(String label, JsonObject r) {
        Golden.Case c = Golden.testCase(r.get("case").getAsString());
        double[] alpha = Golden.vector(r.getAsJsonArray("alpha"));
        double[] expected = Golden.vector(r.getAsJsonArray("update"));
        for (String heads : List.of("alpha", "one")) {
            WeightingMethod m = create("imtl", "head-weights = " + heads);
            try (NDManager sm = kit.manager().newSubManager()) {
                Combination.SharedGradient out = assertInstanceOf(Combination.SharedGradient.class,
                        m.combine(Golden.shared(c.g(), c.losses(), 0, sm, DataType.FLOAT64)));
                double[] w = values(out.taskWeights());
                assertTrue(Golden.maxAbs(Golden.sub(w, alpha)) < 1e-9 * Math.max(1, Golden.maxAbs(alpha)),
                        () -> label + ": alpha " + java.util.Arrays.toString(w));
                assertTrue(relativeError(values(out.sharedGradient()), expected, scale(c)) < 1e-9, label);
                assertArrayEquals(heads.equals("alpha") ? w : TaskGradients.ones(c.k()), values(out.headWeights()), 0);
            }
        }
    }

    // ------------------------------------------------------------------ Nash-MTL

    @ParameterizedTest(name = "{0}")
    @MethodSource("nashmtl")
    void nashMtlMatchesReferenceSequence(String label, JsonObject r) {
        Golden.Case c = Golden.testCase(r.get("case").getAsString());
        WeightingMethod m = create("nashmtl", "");
        assertEquals(Need.SHARED_GRADIENTS, m.need(0));
        double[] alpha = Golden.vector(r.getAsJsonArray("alpha"));
        try (NDManager sm = kit.manager().newSubManager()) {
            Combination.SharedGradient out = assertInstanceOf(Combination.SharedGradient.class,
                    m.combine(Golden.shared(c.g(), c.losses(), 0, sm, DataType.FLOAT64)));
            double[] w = values(out.taskWeights());
            assertTrue(relativeError(w, alpha, 1e-300) < 1e-7, () -> label + ": alpha " + java.util.Arrays.toString(w));
            assertArrayEquals(w, values(out.headWeights()), 0);
            double[] update = values(out.sharedGradient());
            assertTrue(relativeError(update, Golden.vector(r.getAsJsonArray("update")), 1e-300) < 1e-7, label);
            assertTrue(Golden.norm(update) <= 1.0 + 1e-12, "clipped to max-norm");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nashmtlSequences")
    void nashMtlWarmStartsAcrossSteps(String label, JsonObject r) {
        int every = r.get("update_weights_every").getAsInt();
        WeightingMethod m = create("nashmtl", "update-weights-every = " + every);
        int t = 0;
        for (var e : r.getAsJsonArray("steps")) {
            JsonObject st = e.getAsJsonObject();
            double[][] g = Golden.matrix(st.getAsJsonArray("G"));
            double[] losses = new double[g.length];
            java.util.Arrays.fill(losses, 1.0 + t);
            boolean solved = st.get("solved").getAsBoolean();
            assertEquals(solved ? Need.SHARED_GRADIENTS : Need.LOSSES, m.need(t), "need at step " + t);
            try (NDManager sm = kit.manager().newSubManager()) {
                TaskSignals s = solved ? Golden.shared(g, losses, t, sm, DataType.FLOAT64)
                        : Golden.lossesOnly(losses, t, sm, DataType.FLOAT64);
                Combination out = m.combine(s);
                double[] w = values(out.taskWeights());
                double[] expected = Golden.vector(st.getAsJsonArray("alpha"));
                final int step = t;
                assertTrue(relativeError(w, expected, 1e-300) < 1e-7,
                        () -> label + " step " + step + ": " + java.util.Arrays.toString(w));
                if (!solved) {
                    Combination.Objective o = assertInstanceOf(Combination.Objective.class, out);
                    assertEquals(1.0, o.maxSharedGradientNorm());
                    assertEquals(SmallLinearAlgebra.dot(w, losses), o.objective().getDouble(), 1e-12);
                }
            }
            t++;
        }
    }

    @Test
    void goldenFileCoversTheAdvertisedCases() {
        int[] ks = Golden.records("imtl").stream()
                .mapToInt(r -> Golden.testCase(r.get("case").getAsString()).k()).distinct().sorted().toArray();
        assertArrayEquals(new int[] {1, 2, 3, 5}, ks);
        for (String name : List.of("k3_zero_row", "k3_identical", "k3_parallel", "k2_orthogonal", "k2_opposite")) {
            Golden.testCase(name);
        }
    }
}
