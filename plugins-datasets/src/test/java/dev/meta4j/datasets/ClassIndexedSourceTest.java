package dev.meta4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.data.ClassIndexedSource;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The episodic image datasets name the training classes of their episodes ({@link
 * ClassIndexedSource}, what {@code mtl} selects head rows by): the same episodes as {@code
 * sample} from the same generator, and one number per class, the same in every episode.
 */
class ClassIndexedSourceTest {

    @TempDir static Path tmp;
    private static PluginTestKit kit;
    private static final int[] PER_SPLIT = {7, 3, 3};

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT32, 0);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    @Test
    void trainingEpisodesNameTheirClassesConsistently() {
        FewShotFixtures.miniCsv(tmp, PER_SPLIT, 6, 12);
        ClassIndexedSource d = (ClassIndexedSource) kit.create(PluginKind.DATASET, "mini-imagenet", "root = \"" + tmp
                + "\"\nways = 2, shots = 1, queries = 2, train-ways = 3, train-queries = 2, image-size = 12", Dataset.class);
        assertEquals(7, d.trainingClasses());
        int classes = PER_SPLIT[0] + PER_SPLIT[1] + PER_SPLIT[2];
        Map<Integer, Integer> globalOf = new HashMap<>();
        try (NDManager m = kit.manager().newSubManager()) {
            TaskBatch plain = d.sample(5, new Rng(3), m);
            ClassIndexedSource.Drawn drawn = d.sampleClasses(5, new Rng(3), m);
            TaskBatch b = drawn.episodes();
            assertArrayEquals(plain.supportInputs().toFloatArray(), b.supportInputs().toFloatArray(), "same draw");
            assertArrayEquals(plain.queryInputs().toFloatArray(), b.queryInputs().toFloatArray(), "same draw");
            assertEquals(5, drawn.classes().length);
            for (int t = 0; t < 5; t++) {
                assertEquals(3, drawn.classes()[t].length);
                long[] labels = b.supportTargets().get(t).toLongArray();
                NDArray images = b.supportInputs().get(t);
                for (int i = 0; i < labels.length; i++) {
                    int index = drawn.classes()[t][(int) labels[i]];
                    assertTrue(index >= 0 && index < 7, "index " + index);
                    int global = FewShotFixtures.classOf(images.get(i).toFloatArray(), classes);
                    Integer before = globalOf.putIfAbsent(index, global);
                    assertEquals(before == null ? global : before, global, "training class " + index + " is one class");
                }
            }
        }
        assertEquals(globalOf.size(), new java.util.HashSet<>(globalOf.values()).size(), "distinct numbers, distinct classes");
        assertTrue(globalOf.size() >= 5, "15 draws of 3 of 7 classes cover most: " + globalOf);
    }
}
