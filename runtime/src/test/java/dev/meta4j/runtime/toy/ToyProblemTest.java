package dev.meta4j.runtime.toy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.runtime.engine.TorchAutograd;
import dev.meta4j.runtime.engine.TorchEngine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The toy problem's three evaluations agree (engine graph, Java doubles, first-order expansion),
 * and the analytic Pareto set is what the derivation says.
 */
class ToyProblemTest {

    /** Points away from the kinks (x2 = 0, the clamps), plus the five starts. */
    private static List<double[]> points() {
        List<double[]> p = new ArrayList<>(ToyProblem.STARTS);
        p.add(new double[] {0.3, -8.3});
        p.add(new double[] {-5.7, -8.4});
        p.add(new double[] {5.0, 3.9});
        p.add(new double[] {-2.0, 1.5});
        p.add(new double[] {6.5, -0.2});
        return p;
    }

    @Test
    void javaGradientsMatchFiniteDifferences() {
        for (double[] p : points()) {
            if (p[1] == 0) {
                continue; // the kink of c1 and c2; checked against the engine below
            }
            double[][] g = ToyProblem.gradients(p[0], p[1]);
            double h = 1e-6;
            for (int d = 0; d < 2; d++) {
                double[] plus = ToyProblem.values(p[0] + (d == 0 ? h : 0), p[1] + (d == 1 ? h : 0));
                double[] minus = ToyProblem.values(p[0] - (d == 0 ? h : 0), p[1] - (d == 1 ? h : 0));
                for (int task = 0; task < 2; task++) {
                    double fd = (plus[task] - minus[task]) / (2 * h);
                    assertEquals(fd, g[task][d], 1e-6 * Math.max(1, Math.abs(fd)),
                            "d l" + (task + 1) + " / d x" + (d + 1) + " at (" + p[0] + ", " + p[1] + ")");
                }
            }
        }
    }

    @Test
    void engineGraphMatchesJavaValuesAndGradientsIncludingTheKinkAtZero() {
        TorchEngine.get();
        try (NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            Autograd autograd = new TorchAutograd(root);
            try (ToyProblem.Constants k = new ToyProblem.Constants(root, DataType.FLOAT64)) {
                for (double[] p : points()) {
                    try (NDManager m = root.newSubManager(); Autograd.Scope rec = autograd.record()) {
                        NDArray x = m.create(new double[] {p[0], p[1]});
                        x.setRequiresGradient(true);
                        NDArray l = ToyProblem.losses(x, k);
                        double[] v = l.toDoubleArray();
                        double[] expected = ToyProblem.values(p[0], p[1]);
                        double[][] g = ToyProblem.gradients(p[0], p[1]);
                        for (int task = 0; task < 2; task++) {
                            assertEquals(expected[task], v[task], 1e-12, "l" + (task + 1) + " at " + str(p));
                            double[] engine = autograd.grad(l.get(task), new NDList(x), GraphMode.RETAIN).get(0)
                                    .toDoubleArray();
                            for (int d = 0; d < 2; d++) {
                                assertEquals(g[task][d], engine[d], 1e-12 * Math.max(1, Math.abs(g[task][d])),
                                        "grad l" + (task + 1) + " at " + str(p));
                            }
                        }
                        double[] shifted = ToyProblem.shifted(l, k).toDoubleArray();
                        assertEquals(expected[0] - ToyProblem.LOWER_BOUNDS[0], shifted[0], 1e-12);
                        assertEquals(expected[1] - ToyProblem.LOWER_BOUNDS[1], shifted[1], 1e-12);
                    }
                }
            }
        }
    }

    @Test
    void expansionHasTheToysValuesAndGradients() {
        TorchEngine.get();
        try (NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            Autograd autograd = new TorchAutograd(root);
            for (double[] p : points()) {
                float[] at = {(float) p[0], (float) p[1]};
                try (NDManager m = root.newSubManager(); Autograd.Scope rec = autograd.record()) {
                    NDArray x = m.create(at);
                    x.setRequiresGradient(true);
                    ToyProblem.Expansion e = new ToyProblem.Expansion(at);
                    NDArray l = e.losses(x, m);
                    float[] v = l.toFloatArray();
                    double[] expected = ToyProblem.values(at[0], at[1]);
                    double[][] g = ToyProblem.gradients(at[0], at[1]);
                    float[] rows = e.jacobian(m).toFloatArray();
                    for (int task = 0; task < 2; task++) {
                        assertEquals((float) (expected[task] - ToyProblem.LOWER_BOUNDS[task]), v[task], 0f);
                        float[] engine = autograd.grad(l.get(task), new NDList(x), GraphMode.RETAIN).get(0)
                                .toFloatArray();
                        assertEquals((float) g[task][0], engine[0], 0f);
                        assertEquals((float) g[task][1], engine[1], 0f);
                        assertEquals(engine[0], rows[2 * task], 0f);
                        assertEquals(engine[1], rows[2 * task + 1], 0f);
                    }
                }
            }
        }
    }

    @Test
    void lossesStayAboveTheirLowerBounds() {
        for (double a = -12; a <= 12; a += 0.05) {
            for (double b = -12; b <= 12; b += 0.05) {
                double[] l = ToyProblem.values(a, b);
                assertTrue(l[0] > ToyProblem.LOWER_BOUNDS[0] && l[1] > ToyProblem.LOWER_BOUNDS[1], str(a, b));
            }
        }
    }

    @Test
    void paretoSetIsTheCurveThePapersDraw() {
        // -8.355110 (checked with scipy's bounded minimiser); the scripts draw the line at -8.3552
        assertEquals(-8.35511, ParetoSet.optimalX2(0), 1e-5);
        assertEquals(-8.3552, ParetoSet.optimalX2(0), 1e-4, "the CAGrad/FAMO scripts' yy = -8.3552");
        assertEquals(ParetoSet.optimalX2(3), ParetoSet.optimalX2(-3), 1e-12, "symmetric in x1");
        for (double x1 = -7; x1 <= 7; x1 += 0.5) {
            double x2 = ParetoSet.optimalX2(x1);
            double[][] g = ToyProblem.gradients(x1, x2);
            assertEquals(0, ParetoSet.residual(g[0], g[1]), 1e-9, "Pareto stationary at x1 = " + x1);
            assertEquals(0, ParetoSet.distance(x1, x2), 1e-4);
            assertTrue(ParetoSet.contains(x1, x2));
        }
        assertFalse(ParetoSet.contains(0, -8.2), "0.155 above the set");
        assertFalse(ParetoSet.contains(8, ParetoSet.optimalX2(7)), "beyond the end of the set");
        assertFalse(ParetoSet.contains(5, 3.9), "LS's trap in the logarithmic valley");
        assertTrue(Double.isNaN(ParetoSet.distance(Double.NaN, 0)));
        assertFalse(ParetoSet.contains(Double.NaN, -8.4));
        // the windowed test agrees with the full distance, near the ends and the tolerance too
        for (double x1 = -7.2; x1 <= 7.2; x1 += 0.013) {
            for (double dy = -0.07; dy <= 0.07; dy += 0.0061) {
                double x2 = ParetoSet.optimalX2(Math.max(-7, Math.min(7, x1))) + dy;
                assertEquals(ParetoSet.distance(x1, x2) <= ParetoSet.TOLERANCE, ParetoSet.contains(x1, x2),
                        str(x1, x2));
            }
        }
        float[] a = {9f, 1f, 0.01f, 0.02f, 0.01f};
        float[] b = {9f, -3f, (float) ParetoSet.optimalX2(0.01), -8.2f, (float) ParetoSet.optimalX2(0.01)};
        assertEquals(4, ParetoSet.reachedAt(a, b, 4), "on the front at the end, from step 4 on");
        assertEquals(-1, ParetoSet.reachedAt(a, b, 3), "off the front at step 3");
    }

    @Test
    void paretoPointsAreNotDominatedOnAGrid() {
        // a coarse check of optimality: no grid point is at least as good in both losses and better in one
        double[][] front = new double[15][];
        for (int i = 0; i < front.length; i++) {
            double x1 = -7 + i;
            front[i] = ToyProblem.values(x1, ParetoSet.optimalX2(x1));
        }
        for (double a = -11; a <= 11; a += 0.1) {
            for (double b = -11; b <= 11; b += 0.1) {
                double[] l = ToyProblem.values(a, b);
                for (double[] f : front) {
                    boolean dominates = l[0] <= f[0] && l[1] <= f[1] && (l[0] < f[0] - 1e-9 || l[1] < f[1] - 1e-9);
                    assertFalse(dominates, str(a, b) + " dominates a Pareto point");
                }
            }
        }
    }

    private static String str(double... p) {
        return "(" + p[0] + ", " + p[1] + ")";
    }
}
