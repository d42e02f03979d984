package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.runtime.testing.FiniteDifferences;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The router's {@link Combination.RepresentationGradient} against float64 central finite
 * differences, on a small two-layer encoder with three linear heads (two of them trained) and a
 * weighting parameter: the encoder gets the vector-Jacobian product of the given representation
 * gradient, each trained head its own loss's gradient times its head weight, everything else
 * zero; and the per-task representation gradients it hands to the weighting method are each
 * loss's gradient with respect to the representation.
 */
class GradientRouterTest {

    private static final int N = 5;
    private static final int IN = 4;
    private static final int HIDDEN = 3;
    private static final int TASKS = 3;
    private static final int[] TRAINED = {2, 0};

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 3);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static double[] draws(Rng rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.uniform(-1, 1);
        }
        return v;
    }

    /** Encoder {@code z = tanh(tanh(x W1 + b1) W2)}, head t {@code y_t = z h_t}, and one weighting parameter. */
    private static Params model(NDManager m, Rng rng) {
        Params.Builder b = Params.builder()
                .add("enc.w1", m.create(draws(rng, IN * HIDDEN), new Shape(IN, HIDDEN)))
                .add("enc.b1", m.create(draws(rng, HIDDEN), new Shape(HIDDEN)))
                .add("enc.w2", m.create(draws(rng, HIDDEN * HIDDEN), new Shape(HIDDEN, HIDDEN)));
        for (int t = 0; t < TASKS; t++) {
            b.addHead(t, "head" + t + ".w", m.create(draws(rng, HIDDEN), new Shape(HIDDEN, 1)));
        }
        Params p = b.build();
        for (NDArray a : p.arrays()) {
            a.setRequiresGradient(true);
        }
        return p;
    }

    private static NDArray encode(Params p, NDArray x) {
        return x.matMul(p.get("enc.w1")).add(p.get("enc.b1")).tanh().matMul(p.get("enc.w2")).tanh();
    }

    /** Loss of task t: {@code mean((z h_t - target_t)^2)}. */
    private static NDArray loss(Params p, NDArray z, NDArray targets, int t) {
        NDArray d = z.matMul(p.get("head" + t + ".w")).reshape(N).sub(targets.get(t));
        return d.mul(d).mean();
    }

    @Test
    void aRepresentationGradientIsTheEncodersVjpAndEachHeadsWeightedGradient() {
        try (NDManager m = kit.manager().newSubManager()) {
            Rng rng = new Rng(5);
            Params model = model(m, rng);
            NDArray extra = m.create(new double[] {0.3, -0.2});
            extra.setRequiresGradient(true);
            Params all = model.concat(Params.builder().add("weighting.s", extra).build());
            NDArray x = m.create(draws(rng, N * IN), new Shape(N, IN));
            NDArray targets = m.create(draws(rng, TASKS * N), new Shape(TASKS, N));
            double[] v = draws(rng, N * HIDDEN);
            double[] headWeights = {0.7, 1.9};
            GradientRouter router = new GradientRouter(kit.autograd(), model, all, TASKS, TRAINED);

            NDList grads;
            double[] rows;
            double[] z0;
            try (Autograd.Scope rec = kit.autograd().record()) {
                NDArray z = encode(model, x);
                z0 = z.toDoubleArray();
                NDArray[] losses = new NDArray[TRAINED.length];
                for (int i = 0; i < TRAINED.length; i++) {
                    losses[i] = loss(model, z, targets, TRAINED[i]);
                }
                GradientRouter.PerTask perTask = router.perTaskRepresentation(losses, z);
                assertEquals(new Shape(TRAINED.length, N * HIDDEN), perTask.representationGradients().getShape());
                rows = perTask.representationGradients().toDoubleArray();
                // the same rows, bit for bit, as the gradient of each loss w.r.t. z alone (what
                // MGDA-UB saw before the heads' gradients came along in the same pass)
                for (int i = 0; i < losses.length; i++) {
                    double[] alone = kit.autograd().grad(losses[i], new NDList(z), GraphMode.RETAIN).get(0).toDoubleArray();
                    assertArrayEquals(alone, Arrays.copyOfRange(rows, i * N * HIDDEN, (i + 1) * N * HIDDEN), 0);
                }
                Combination c = new Combination.RepresentationGradient(m.create(v, new Shape(N, HIDDEN)),
                        m.create(headWeights), null);
                grads = router.gradients(c, perTask);
            }
            assertEquals(all.size(), grads.size());

            // the per-task representation gradients: d loss_i / dz, by differences in z
            for (int i = 0; i < TRAINED.length; i++) {
                int task = TRAINED[i];
                Params zAsParams = Params.builder().add("z", m.create(z0, new Shape(N, HIDDEN))).build();
                double[] numeric = FiniteDifferences.gradient(
                        p -> loss(model, p.get("z"), targets, task).getDouble(), zAsParams, 1e-6, m);
                double[] row = Arrays.copyOfRange(rows, i * N * HIDDEN, (i + 1) * N * HIDDEN);
                double err = FiniteDifferences.relativeError(row, numeric);
                assertTrue(err < 1e-7, "row " + i + " (task " + task + "): relative error " + err);
            }

            // expected: d/dtheta [sum(z(theta) * v) + sum_i w_i loss_i(z0, head_i)], z0 held fixed
            double[] vjp = FiniteDifferences.gradient(p -> {
                NDArray z = encode(p, x);
                return z.mul(z.getManager().create(v, new Shape(N, HIDDEN))).sum().getDouble();
            }, model, 1e-6, m);
            double[] heads = FiniteDifferences.gradient(p -> {
                NDArray fixed = p.arrays().get(0).getManager().create(z0, new Shape(N, HIDDEN));
                double s = 0;
                for (int i = 0; i < TRAINED.length; i++) {
                    s += headWeights[i] * loss(p, fixed, targets, TRAINED[i]).getDouble();
                }
                return s;
            }, model, 1e-6, m);
            double[] expected = new double[vjp.length];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = vjp[i] + heads[i];
            }
            double[] routed = FiniteDifferences.flatten(grads.subList(0, model.size()));
            double err = FiniteDifferences.relativeError(routed, expected);
            assertTrue(err < 1e-7, "relative error " + err + "\nrouted   " + Arrays.toString(routed)
                    + "\nexpected " + Arrays.toString(expected));
            // the untrained head 1 and the weighting parameter get zeros; the others do not vanish
            assertArrayEquals(new double[HIDDEN], grads.get(model.names().indexOf("head1.w")).toDoubleArray(), 0);
            assertArrayEquals(new double[2], grads.get(model.size()).toDoubleArray(), 0);
            for (String name : new String[] {"enc.w1", "enc.b1", "enc.w2", "head0.w", "head2.w"}) {
                NDArray g = grads.get(model.names().indexOf(name));
                assertTrue(g.abs().max().getDouble() > 1e-4, name + " should get a gradient: " + g);
                assertEquals(model.get(name).getShape(), g.getShape(), name);
            }
        }
    }

    @Test
    void aFlattenedGradientIsTheSameAndAWrongSizeOrAMissingPassIsAnError() {
        try (NDManager m = kit.manager().newSubManager()) {
            Rng rng = new Rng(8);
            Params model = model(m, rng);
            NDArray x = m.create(draws(rng, N * IN), new Shape(N, IN));
            NDArray targets = m.create(draws(rng, TASKS * N), new Shape(TASKS, N));
            double[] v = draws(rng, N * HIDDEN);
            GradientRouter router = new GradientRouter(kit.autograd(), model, model, TASKS, TRAINED);
            double[][] results = new double[2][];
            for (int pass = 0; pass < 2; pass++) {
                try (Autograd.Scope rec = kit.autograd().record()) {
                    NDArray z = encode(model, x);
                    NDArray[] losses = {loss(model, z, targets, 2), loss(model, z, targets, 0)};
                    GradientRouter.PerTask perTask = router.perTaskRepresentation(losses, z);
                    NDArray g = pass == 0 ? m.create(v, new Shape(N, HIDDEN)) : m.create(v);
                    results[pass] = FiniteDifferences.flatten(router.gradients(
                            new Combination.RepresentationGradient(g, m.create(new double[] {1, 1}), null), perTask));
                }
            }
            assertArrayEquals(results[0], results[1], 0, "[R] and [N, D] are the same gradient");

            try (Autograd.Scope rec = kit.autograd().record()) {
                NDArray z = encode(model, x);
                NDArray[] losses = {loss(model, z, targets, 2), loss(model, z, targets, 0)};
                GradientRouter.PerTask shared = router.perTask(losses);
                Combination rg = new Combination.RepresentationGradient(m.create(v), m.create(new double[] {1, 1}), null);
                assertThrows(IllegalStateException.class, () -> router.gradients(rg, shared),
                        "a representation gradient needs the representation pass");
                assertThrows(IllegalStateException.class, () -> router.gradients(rg, null));
                GradientRouter.PerTask rep = router.perTaskRepresentation(losses, z);
                Combination sg = new Combination.SharedGradient(m.zeros(new Shape(1)), m.create(new double[] {1, 1}), null);
                assertThrows(IllegalStateException.class, () -> router.gradients(sg, rep),
                        "a shared gradient needs the shared-parameter pass");
                Combination wrong = new Combination.RepresentationGradient(m.create(new double[] {1, 2, 3}),
                        m.create(new double[] {1, 1}), null);
                assertThrows(IllegalArgumentException.class, () -> router.gradients(wrong, rep));
                // release the recorded graph
                kit.autograd().grad(NDArrays.add(losses), new NDList(model.get("enc.b1")), GraphMode.RELEASE);
            }
        }
    }
}
