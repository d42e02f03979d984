package dev.meta4j.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Multi-Fashion on the real files, when they are installed ({@code apt-get install
 * dataset-fashion-mnist}); skipped otherwise. The fixture tests prove the behaviour; this one
 * checks the real counts and that loading and batching are quick.
 */
class MultiFashionRealDataTest {

    private static final Path ROOT = Path.of("/usr/share/datasets/fashion-mnist");

    @Test
    void realFashionMnistLoadsWithTheDefaultSettings() {
        Assumptions.assumeTrue(Files.isDirectory(ROOT), "Fashion-MNIST is not installed in " + ROOT);
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT32, 0)) {
            long t0 = System.nanoTime();
            MultiFashion d = (MultiFashion) kit.create(PluginKind.DATASET, "multi-fashion", "", Dataset.class);
            long t1 = System.nanoTime();
            assertEquals(50000, d.size(Split.TRAIN));
            assertEquals(10000, d.size(Split.VALIDATION));
            assertEquals(10000, d.size(Split.TEST));
            int[] idx = new int[256];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = i * 181;
            }
            try (NDManager m = kit.manager().newSubManager()) {
                for (int r = 0; r < 20; r++) {
                    d.batch(Split.TRAIN, idx, m); // warm-up (JIT)
                }
                long t2 = System.nanoTime();
                int reps = 50;
                MultiTaskBatch b = null;
                for (int r = 0; r < reps; r++) {
                    b = d.batch(Split.TRAIN, idx, m);
                }
                long t3 = System.nanoTime();
                assertEquals(new Shape(256, 1, 36, 36), b.inputs().getShape());
                float mean = b.inputs().mean().getFloat();
                assertTrue(mean > 0.1f && mean < 0.5f, "mean pixel " + mean);
                int[] counts = new int[10];
                for (long y : d.batch(Split.TEST, java.util.stream.IntStream.range(0, 10000).toArray(), m)
                        .targets("left").values().toLongArray()) {
                    counts[(int) y]++;
                }
                for (int c : counts) {
                    assertEquals(1000, c, "Fashion-MNIST's test set has 1000 items per class");
                }
                System.out.printf("multi-fashion: load %.0f ms, batch of 256 %.2f ms%n", (t1 - t0) / 1e6,
                        (t3 - t2) / 1e6 / reps);
            }
        }
    }
}
