package dev.meta4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.autograd.Scalar;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A scalar saved by autograd must survive garbage collection between the forward and the
 * backward pass (DJL's {@code mul(Number)} does not guarantee that: see {@link Scalar}).
 */
class ScalarUnderGcTest {

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT32", "FLOAT64"})
    void savedScalarSurvivesGarbageCollection(DataType type) {
        TorchEngine.get();
        try (NDManager root = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            TorchAutograd autograd = new TorchAutograd(root);
            for (int trial = 0; trial < 20; trial++) {
                try (NDManager m = root.newSubManager(); var rec = autograd.record()) {
                    NDArray w = m.create(new float[] {1f, 2f, 3f}).toType(type, true).duplicate();
                    w.setRequiresGradient(true);
                    NDArray y = w.mul(Scalar.of(m, 0.37, type)).sum();
                    churnDirectMemory();
                    NDList g = autograd.grad(y, new NDList(w), GraphMode.RELEASE);
                    double expected = type == DataType.FLOAT64 ? 0.37 : (double) 0.37f;
                    for (double v : g.get(0).toType(DataType.FLOAT64, false).toDoubleArray()) {
                        assertEquals(expected, v, 0, "gradient read a freed scalar in trial " + trial);
                    }
                }
            }
        }
    }

    /** Frees unreachable direct buffers and refills the freed memory with other values. */
    private static void churnDirectMemory() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            List<ByteBuffer> fill = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(8);
                b.putDouble(0, 9999.0);
                fill.add(b);
            }
            fill.clear();
        }
    }
}
