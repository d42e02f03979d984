package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time to open and to read NYUv2-shaped batches (288×384, float32 files, 8 training scenes) from
 * a warm page cache: the data side of one training step at batch 2, with and without MTAN's
 * scale-crop-flip, and an evaluation batch of 8. Not a check: run it on purpose with {@code
 * -Dmeta4j.bench=true -Dtest=DenseReadBenchmark}.
 */
@EnabledIfSystemProperty(named = "meta4j.bench", matches = "true")
class DenseReadBenchmark {

    @TempDir
    Path dir;

    @Test
    void nyuv2Batches() {
        int h = 288;
        int w = 384;
        Path root = MtlFixtures.scenes(dir.resolve("nyu"), new String[] {"label"}, new int[] {13}, true, 8, 8, h, w,
                "<f4");
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT32, 1)) {
            long t0 = System.nanoTime();
            NyuV2 plain = (NyuV2) kit.create(PluginKind.DATASET, "nyuv2", "root = \"" + root + "\"", Dataset.class);
            long t1 = System.nanoTime();
            NyuV2 augmented = (NyuV2) kit.create(PluginKind.DATASET, "nyuv2", "root = \"" + root
                    + "\", augmentation = scale-crop-flip", Dataset.class);
            System.out.printf("open (64 headers): %.1f ms%n", (t1 - t0) / 1e6);
            for (int round = 0; round < 2; round++) {
                time("batch 2, stored", 40, i -> plain.batch(Split.TRAIN, new int[] {i % 8, (i + 3) % 8}, kit.manager()
                        .newSubManager()), kit);
                time("batch 2, scale-crop-flip", 40, i -> augmented.trainingBatch(new int[] {i % 8, (i + 3) % 8},
                        new Rng(i), kit.manager().newSubManager()), kit);
                time("batch 8, stored", 10, i -> plain.batch(Split.TEST, new int[] {0, 1, 2, 3, 4, 5, 6, 7},
                        kit.manager().newSubManager()), kit);
            }
        }
    }

    interface Draw {
        Object run(int i);
    }

    private static void time(String what, int n, Draw d, PluginTestKit kit) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Object b = d.run(i);
            ((dev.meta4j.api.data.MultiTaskBatch) b).inputs().getManager().close();
        }
        System.out.printf("%-26s %7.2f ms per batch%n", what, (System.nanoTime() - t0) / 1e6 / n);
    }
}
