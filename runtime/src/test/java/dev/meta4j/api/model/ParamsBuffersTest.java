package dev.meta4j.api.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Buffers in {@link Params}: declared apart from the trained parameters, kept with their flag
 * through every derived set, left out of {@link Params#trainable()}, refused by the optimizers,
 * and copied per task by {@link Params#replicate}.
 */
class ParamsBuffersTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 0);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static NDArray param(NDManager m, double... v) {
        NDArray a = m.create(v);
        a.setRequiresGradient(true);
        return a;
    }

    /** encoder: w (param), mean (buffer); head 0: h (param), hmean (buffer). */
    private static Params sample(NDManager m) {
        return Params.builder()
                .add("w", param(m, 1, 2))
                .addBuffer("mean", m.create(new double[] {0, 0}))
                .addHead(0, "h", param(m, 3))
                .addBuffer(0, "hmean", m.create(new double[] {5}))
                .build();
    }

    @Test
    void buffersAreDeclaredAndKeptThroughDerivedSets() {
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = sample(m);
            assertTrue(p.hasBuffers());
            assertEquals(List.of(false, true, false, true), flags(p));
            assertEquals(List.of("w", "h"), p.trainable().names());
            assertFalse(p.trainable().hasBuffers());
            assertEquals(List.of("mean", "hmean"), p.buffers().names());
            assertEquals(List.of(false, true, false, true), flags(p.map(a -> a.add(1))));
            assertEquals(List.of(false, true, false, true), flags(p.zip(p.arrays(), NDArray::add)));
            assertEquals(List.of(false, true, false, true), flags(p.withArrays(p.arrays())));
            assertEquals(List.of(false, true), flags(p.encoder()));
            assertEquals(List.of(false, true), flags(p.heads()));
            assertEquals(List.of(true, true), flags(p.filter(n -> n.contains("mean"))));
            assertEquals(List.of(false, true, false, true), flags(Params.builder().addAll(p).build()));
            assertEquals(0, p.headOf("hmean"));
            Params plain = Params.of(List.of("a"), List.of(param(m, 1)));
            assertFalse(plain.hasBuffers());
            assertTrue(plain.trainable() == plain, "a set without buffers is its own trainable view");
            assertTrue(p.toString().contains("mean(2) (buffer)"), p.toString());
        }
    }

    private static List<Boolean> flags(Params p) {
        return p.names().stream().map(p::isBuffer).toList();
    }

    @Test
    void aBufferThatRequiresAGradientIsRefused() {
        try (NDManager m = kit.manager().newSubManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Params.builder().addBuffer("running", param(m, 1)));
            assertTrue(e.getMessage().contains("buffer 'running' requires a gradient"), e.getMessage());
        }
    }

    @Test
    void optimizersRefuseBuffersAndStepTheTrainableView() {
        // Each optimizer's first step on a gradient of ones, without weight decay, is lr.
        for (String name : List.of("adam", "sgd", "sgdw", "sgdp", "adamw", "adamax", "radam", "adabound", "adamp")) {
            try (NDManager m = kit.manager().newSubManager()) {
                Params p = sample(m);
                Optimizer opt = kit.create(PluginKind.OPTIMIZER, name, "lr = 0.5, weight-decay = 0", Optimizer.class);
                NDList allGrads = new NDList();
                for (NDArray a : p.arrays()) {
                    allGrads.add(m.ones(a.getShape(), a.getDataType()));
                }
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> opt.step(p, allGrads, 0.5));
                assertTrue(e.getMessage().contains("optimizer " + name + " cannot step 'mean': it is a buffer"),
                        e.getMessage());
                assertTrue(e.getMessage().contains("params.trainable()"), e.getMessage());

                Params t = p.trainable();
                NDList grads = new NDList(m.ones(new Shape(2), DataType.FLOAT64), m.ones(new Shape(1), DataType.FLOAT64));
                opt.step(t, grads, 0.5);
                assertArrayEquals(new double[] {0.5, 1.5}, p.get("w").toDoubleArray(), 1e-4, name);
                assertArrayEquals(new double[] {0, 0}, p.get("mean").toDoubleArray(), name + " leaves buffers");
                assertArrayEquals(new double[] {5}, p.get("hmean").toDoubleArray(), name + " leaves buffers");
            }
        }
    }

    @Test
    void replicateGivesViewsOfParametersAndOwnedCopiesOfBuffers() {
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = sample(m);
            Params batched = p.replicate(3);
            assertEquals(new Shape(3, 2), batched.get("w").getShape());
            assertEquals(new Shape(3, 2), batched.get("mean").getShape());
            assertEquals(List.of(false, true, false, true), flags(batched));
            // Each task's buffer is its own memory: an in-place update of task 1 leaves the others.
            NDArray mean = batched.get("mean");
            mean.set(new ai.djl.ndarray.index.NDIndex("1"), m.create(new double[] {7, 8}));
            assertArrayEquals(new double[] {0, 0, 7, 8, 0, 0}, mean.toDoubleArray());
            assertArrayEquals(new double[] {0, 0}, p.get("mean").toDoubleArray());
            // Gradients with respect to the batched copies reach the original parameter.
            try (var rec = kit.autograd().record()) {
                NDArray loss = p.replicate(3).get("w").mul(m.create(new double[] {1, 2, 3}).reshape(3, 1)).sum();
                NDList g = kit.autograd().grad(loss, new NDList(p.get("w")), dev.meta4j.api.autograd.GraphMode.RELEASE);
                assertArrayEquals(new double[] {6, 6}, g.get(0).toDoubleArray(), 1e-12);
            }
            assertThrows(IllegalArgumentException.class, () -> p.replicate(0));
        }
    }
}
