package dev.meta4j.datasets.mtl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The losses the issue-10 datasets' tasks define, on hand-made targets: values against their
 * definitions, gradients against float64 central differences (masks and ignore labels must not
 * break them), and a batch in which nothing counts.
 */
class DenseTasksTest {

    static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 1);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    static double[] gaussian(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return v;
    }

    /** The relative error of the loss's gradient with respect to the prediction. */
    static double gradientError(Task task, double[] pred, Shape shape, Function<NDManager, Targets> targets) {
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray p = m.create(pred, shape);
            p.setRequiresGradient(true);
            double[] analytic;
            try (Autograd.Scope rec = kit.autograd().record()) {
                NDArray loss = task.loss(p, targets.apply(m));
                analytic = kit.autograd().grad(loss, new NDList(p), GraphMode.RELEASE).get(0).toDoubleArray();
            }
            double num = 0;
            double den = 0;
            double eps = 1e-6;
            for (int i = 0; i < pred.length; i++) {
                double[] up = pred.clone();
                double[] down = pred.clone();
                up[i] += eps;
                down[i] -= eps;
                double fd = (task.loss(m.create(up, shape), targets.apply(m)).getDouble()
                        - task.loss(m.create(down, shape), targets.apply(m)).getDouble()) / (2 * eps);
                num += (fd - analytic[i]) * (fd - analytic[i]);
                den += fd * fd;
            }
            return Math.sqrt(num / Math.max(den, 1e-300));
        }
    }

    @Test
    void segmentationGradientIgnoresIgnoredPixels() {
        Random r = new Random(1);
        SegmentationTask t = new SegmentationTask("semantic", 3, 2, 2);
        long[] labels = {0, -1, 2, 1, -1, -1, 1, 0};
        double[] mask = {1, 0, 1, 1, 0, 0, 1, 1};
        Function<NDManager, Targets> targets = m -> new Targets(m.create(labels, new Shape(2, 2, 2)),
                m.create(mask, new Shape(2, 2, 2)));
        double[] pred = gaussian(r, 2 * 3 * 4);
        assertTrue(gradientError(t, pred, new Shape(2, 3, 2, 2), targets) < 1e-7);
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray p = m.create(pred, new Shape(2, 3, 2, 2));
            NDArray withMask = t.loss(p, targets.apply(m));
            NDArray fromLabels = t.loss(p, Targets.of(m.create(labels, new Shape(2, 2, 2))));
            assertEquals(withMask.getDouble(), fromLabels.getDouble(), 1e-12, "without a mask, -1 is ignored all the same");
            NDArray none = t.loss(p, new Targets(m.create(labels, new Shape(2, 2, 2)), m.zeros(new Shape(2, 2, 2),
                    DataType.FLOAT64)));
            assertEquals(0.0, none.getDouble(), 0.0, "nothing counts: 0, not NaN");
        }
    }

    @Test
    void depthAndNormalGradientsFollowTheirMasks() {
        Random r = new Random(2);
        double[] depth = {0, 1.5, 2, 0, 3, 1, 0.5, 0};
        double[] depthMask = new double[8];
        for (int i = 0; i < 8; i++) {
            depthMask[i] = depth[i] != 0 ? 1 : 0;
        }
        // Predictions away from the kink of |x| so that the finite difference is the derivative.
        double[] pred = new double[8];
        for (int i = 0; i < 8; i++) {
            pred[i] = depth[i] + (i % 2 == 0 ? 0.3 : -0.4);
        }
        assertTrue(gradientError(new DepthTask("depth", 2, 2), pred, new Shape(2, 1, 2, 2),
                m -> new Targets(m.create(depth, new Shape(2, 1, 2, 2)), m.create(depthMask, new Shape(2, 1, 2, 2))))
                < 1e-7);
        double[] normals = gaussian(r, 2 * 3 * 4);
        double[] normalMask = {1, 1, 0, 1, 0, 1, 1, 1};
        assertTrue(gradientError(new NormalTask("normal", 2, 2), gaussian(r, 24), new Shape(2, 3, 2, 2),
                m -> new Targets(m.create(normals, new Shape(2, 3, 2, 2)), m.create(normalMask, new Shape(2, 1, 2, 2))))
                < 1e-7);
    }

    @Test
    void binaryCrossEntropyMatchesItsDefinition() {
        Random r = new Random(3);
        BinaryTask t = new BinaryTask("Smiling");
        double[] z = gaussian(r, 5);
        z[4] = 40; // far in the tail: stable, no overflow
        double[] y = {1, 0, 0, 1, 0};
        double want = 0;
        for (int i = 0; i < 5; i++) {
            double p = 1 / (1 + Math.exp(-z[i]));
            want += i == 4 ? 40 : -(y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p));
        }
        try (NDManager m = kit.manager().newSubManager()) {
            double got = t.loss(m.create(z, new Shape(5, 1)), Targets.of(m.create(y, new Shape(5, 1)))).getDouble();
            assertEquals(want / 5, got, 1e-9);
        }
        assertTrue(gradientError(t, gaussian(r, 5), new Shape(5, 1), m -> Targets.of(m.create(y, new Shape(5, 1)))) < 1e-7);
    }
}
