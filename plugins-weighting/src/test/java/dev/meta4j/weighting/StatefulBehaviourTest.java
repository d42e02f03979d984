package dev.meta4j.weighting;

import static dev.meta4j.weighting.Golden.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** PCGrad's seeded randomness and Nash-MTL's state and schedule. */
class StatefulBehaviourTest {

    /** Four tasks with many conflicts, so that the projection order matters. */
    private static final double[][] CONFLICTS = {
        {1.0, 0.2, -0.3, 0.5, 0.0},
        {-0.8, 0.9, 0.1, -0.2, 0.4},
        {0.1, -1.0, 0.7, 0.3, -0.5},
        {-0.4, -0.3, -0.9, 0.8, 0.6}
    };

    private static List<double[]> pcgradUpdates(long seed, int steps) {
        return pcgradUpdates(seed, steps, "");
    }

    private static List<double[]> pcgradUpdates(long seed, int steps, String settings) {
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT64, seed)) {
            WeightingMethod m = kit.create(PluginKind.WEIGHTING, "pcgrad", settings, WeightingMethod.class);
            List<double[]> out = new ArrayList<>();
            for (int t = 0; t < steps; t++) {
                try (NDManager sm = kit.manager().newSubManager()) {
                    var c = (Combination.SharedGradient) m.combine(Golden.shared(CONFLICTS, new double[4], t, sm, DataType.FLOAT64));
                    out.add(values(c.sharedGradient()));
                }
            }
            return out;
        }
    }

    @Test
    void pcgradIsReproducibleFromTheSeedAndUsesIt() {
        List<double[]> a = pcgradUpdates(21, 30);
        List<double[]> b = pcgradUpdates(21, 30);
        for (int t = 0; t < a.size(); t++) {
            assertArrayEquals(a.get(t), b.get(t), 0, "step " + t + " with the same seed");
        }
        // the order is drawn afresh every step, so several different updates occur
        Set<String> distinct = new HashSet<>();
        for (double[] u : a) {
            distinct.add(java.util.Arrays.toString(u));
        }
        assertTrue(distinct.size() > 3, "only " + distinct.size() + " distinct updates in 30 steps");
        // and every update is the projection for some order of the other tasks
        Set<String> possible = new HashSet<>();
        enumerate(new int[4][], 0, possible);
        for (double[] u : a) {
            boolean found = false;
            for (String p : possible) {
                double[] cand = java.util.Arrays.stream(p.substring(1, p.length() - 1).split(", "))
                        .mapToDouble(Double::parseDouble).toArray();
                if (Golden.maxAbs(Golden.sub(cand, u)) < 1e-12) {
                    found = true;
                    break;
                }
            }
            assertTrue(found, "update is not PCGrad under any order");
        }
        // another seed gives another sequence
        List<double[]> c = pcgradUpdates(22, 30);
        boolean differs = false;
        for (int t = 0; t < a.size(); t++) {
            differs |= !java.util.Arrays.equals(a.get(t), c.get(t));
        }
        assertTrue(differs);
    }

    private static void enumerate(int[][] orders, int task, Set<String> out) {
        if (task == orders.length) {
            out.add(java.util.Arrays.toString(
                    Golden.combine(PcGrad.weights(Golden.gram(CONFLICTS), orders), CONFLICTS)));
            return;
        }
        List<int[]> perms = new ArrayList<>();
        int[] others = new int[orders.length - 1];
        for (int j = 0, n = 0; j < orders.length; j++) {
            if (j != task) {
                others[n++] = j;
            }
        }
        permute(others, 0, perms);
        for (int[] p : perms) {
            orders[task] = p;
            enumerate(orders, task + 1, out);
        }
    }

    private static void permute(int[] a, int i, List<int[]> out) {
        if (i == a.length) {
            out.add(a.clone());
            return;
        }
        for (int j = i; j < a.length; j++) {
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
            permute(a, i + 1, out);
            a[j] = a[i];
            a[i] = t;
        }
    }

    /** {@code max-norm}: the FAMO repository's clip_grad_norm_ of the shared update, same orders. */
    @Test
    void pcgradMaxNormScalesTheUpdateLikeClipGradNorm() {
        List<double[]> free = pcgradUpdates(21, 30);
        List<double[]> clipped = pcgradUpdates(21, 30, "max-norm = 0.5");
        int scaled = 0;
        for (int t = 0; t < free.size(); t++) {
            double n = Golden.norm(free.get(t));
            double f = n > 0.5 ? 0.5 / (n + 1e-6) : 1;
            scaled += n > 0.5 ? 1 : 0;
            for (int j = 0; j < free.get(t).length; j++) {
                assertEquals(f * free.get(t)[j], clipped.get(t)[j], 1e-15, "step " + t);
            }
            assertTrue(Golden.norm(clipped.get(t)) <= 0.5, "step " + t);
        }
        assertTrue(scaled > 0, "some updates were above the norm");
        List<double[]> large = pcgradUpdates(21, 30, "max-norm = 1e6");
        for (int t = 0; t < free.size(); t++) {
            assertArrayEquals(free.get(t), large.get(t), 0, "below the norm: unchanged");
        }
    }

    @Test
    void pcgradOrdersArePermutationsOfTheOtherTasks() {
        Rng rng = new Rng(4);
        for (int k = 1; k <= 6; k++) {
            int[][] orders = PcGrad.drawOrders(k, rng);
            for (int i = 0; i < k; i++) {
                int[] sorted = orders[i].clone();
                java.util.Arrays.sort(sorted);
                final int self = i;
                assertArrayEquals(java.util.stream.IntStream.range(0, k).filter(j -> j != self).toArray(), sorted);
            }
        }
    }

    // ------------------------------------------------------------------ Nash-MTL

    private static double[][] steps(int t) {
        double[][] g = new double[3][8];
        Rng r = new Rng(100 + t);
        for (double[] row : g) {
            for (int j = 0; j < row.length; j++) {
                row[j] = r.nextGaussian();
            }
        }
        return g;
    }

    private static Combination step(WeightingMethod m, int t, PluginTestKit kit, NDManager sm) {
        double[] losses = {0.5 + t, 1.0, 2.0};
        TaskSignals s = m.need(t) == Need.SHARED_GRADIENTS ? Golden.shared(steps(t), losses, t, sm, DataType.FLOAT64)
                : Golden.lossesOnly(losses, t, sm, DataType.FLOAT64);
        return m.combine(s);
    }

    @Test
    void nashMtlStateSurvivesSaveAndLoad() {
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT64, 1)) {
            String conf = "update-weights-every = 2";
            WeightingMethod straight = kit.create(PluginKind.WEIGHTING, "nashmtl", conf, WeightingMethod.class);
            WeightingMethod first = kit.create(PluginKind.WEIGHTING, "nashmtl", conf, WeightingMethod.class);
            List<double[]> expected = new ArrayList<>();
            try (NDManager sm = kit.manager().newSubManager()) {
                for (int t = 0; t < 6; t++) {
                    expected.add(values(step(straight, t, kit, sm).taskWeights()));
                }
                for (int t = 0; t < 3; t++) {
                    step(first, t, kit, sm);
                }
            }
            StateDict state = new StateDict(kit.manager());
            first.saveState(state.scope("weighting"));
            assertTrue(state.contains("weighting/alpha") && state.contains("weighting/step"));
            assertEquals(3, state.scope("weighting").getLong("step"));

            WeightingMethod resumed = kit.create(PluginKind.WEIGHTING, "nashmtl", conf, WeightingMethod.class);
            resumed.loadState(state.scope("weighting"));
            assertArrayEquals(((NashMtl) first).weights(), ((NashMtl) resumed).weights(), 0);
            try (NDManager sm = kit.manager().newSubManager()) {
                for (int t = 3; t < 6; t++) {
                    assertArrayEquals(expected.get(t), values(step(resumed, t, kit, sm).taskWeights()), 0, "step " + t);
                }
            }
            assertEquals(6, ((NashMtl) resumed).steps());
            // a fresh instance (no state) would differ at step 3: the warm start matters
            WeightingMethod fresh = kit.create(PluginKind.WEIGHTING, "nashmtl", conf, WeightingMethod.class);
            try (NDManager sm = kit.manager().newSubManager()) {
                double[] w3 = values(step(fresh, 3, kit, sm).taskWeights());
                assertArrayEquals(new double[] {1, 1, 1}, w3, 0, "a non-solve step of a fresh instance uses ones");
            }
        }
    }

    @Test
    void nashMtlSolvesOnlyOnItsSchedule() {
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT64, 1)) {
            WeightingMethod m = kit.create(PluginKind.WEIGHTING, "nashmtl", "update-weights-every = 3, max-norm = 2.5",
                    WeightingMethod.class);
            double[] solved = null;
            try (NDManager sm = kit.manager().newSubManager()) {
                for (int t = 0; t < 7; t++) {
                    assertEquals(t % 3 == 0 ? Need.SHARED_GRADIENTS : Need.LOSSES, m.need(t));
                    Combination c = step(m, t, kit, sm);
                    if (t % 3 == 0) {
                        assertInstanceOf(Combination.SharedGradient.class, c);
                        solved = values(c.taskWeights());
                    } else {
                        Combination.Objective o = assertInstanceOf(Combination.Objective.class, c);
                        assertEquals(2.5, o.maxSharedGradientNorm());
                        assertNotNull(solved);
                        assertArrayEquals(solved, values(o.taskWeights()), 0, "reuses the last solve");
                    }
                }
                // missing gradients on a solve step are an error, not a silent fallback
                TaskSignals noGrads = Golden.lossesOnly(new double[] {1, 1, 1}, 9, sm, DataType.FLOAT64);
                assertThrows(IllegalStateException.class, () -> m.combine(noGrads));
            }
        }
    }

    @Test
    @SuppressWarnings("try") // the recording scope is used only for its side effect
    void nashMtlObjectiveIsDifferentiableInTheLosses() {
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT64, 1)) {
            WeightingMethod m = kit.create(PluginKind.WEIGHTING, "nashmtl", "update-weights-every = 2", WeightingMethod.class);
            try (NDManager sm = kit.manager().newSubManager()) {
                double[] alpha = values(step(m, 0, kit, sm).taskWeights());
                TaskSignals s = Golden.lossesOnly(new double[] {0.3, 0.2, 0.1}, 1, sm, DataType.FLOAT64);
                s.losses().setRequiresGradient(true);
                try (var rec = kit.autograd().record()) {
                    var o = (Combination.Objective) m.combine(s);
                    var grads = kit.autograd().grad(o.objective(), new ai.djl.ndarray.NDList(s.losses()),
                            dev.meta4j.api.autograd.GraphMode.RELEASE);
                    assertArrayEquals(alpha, values(grads.get(0)), 1e-15);
                }
            }
        }
    }
}
