package dev.meta4j.datasets.mtl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cityscapes in MTAN's layout on a generated 3×5 fixture: the label set chosen by config, and depth. */
class CityscapesTest {

    static final int H = 3;
    static final int W = 5;

    static PluginTestKit kit;

    @TempDir
    static Path dir;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT32, 5);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    static Cityscapes create(Path root, String more) {
        return (Cityscapes) kit.create(PluginKind.DATASET, "cityscapes", "root = \"" + root + "\", height = " + H
                + ", width = " + W + (more.isEmpty() ? "" : ", " + more), Dataset.class);
    }

    @Test
    void label7OrLabel19ChosenByConfig() {
        Path root = MtlFixtures.scenes(dir.resolve("both"), new String[] {"label_7", "label_19"}, new int[] {7, 19},
                false, 4, 2, H, W, "<f4");
        for (int classes : new int[] {7, 19}) {
            Cityscapes d = create(root, "labels = label_" + classes);
            assertEquals(4, d.size(Split.TRAIN));
            assertEquals(2, d.size(Split.TEST));
            assertEquals(java.util.List.of("semantic", "depth"), d.spec().tasks().stream().map(t -> t.name()).toList());
            assertArrayEquals(new long[] {classes, H, W}, d.spec().tasks().get(0).outputShape());
            try (NDManager m = kit.manager().newSubManager()) {
                MultiTaskBatch b = d.batch(Split.TEST, new int[] {1, 0}, m);
                assertEquals(new Shape(2, 3, H, W), b.inputs().getShape());
                long[] labels = b.targets("semantic").values().toLongArray();
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        assertEquals(MtlFixtures.label(1, 1, y, x, classes), labels[y * W + x]);
                    }
                }
                assertEquals(new Shape(2, 1, H, W), b.targets("depth").values().getShape());
                assertEquals(2, b.targets().size(), "no normals");
                MultiTaskBatch t = create(root, "labels = label_" + classes + ", augmentation = scale-crop-flip")
                        .trainingBatch(new int[] {0, 1, 2, 3}, new Rng(1), m);
                assertEquals(new Shape(4, 3, H, W), t.inputs().getShape());
            }
        }
    }

    @Test
    void onlyTheChosenLabelFolderMustExist() {
        Path root = MtlFixtures.scenes(dir.resolve("seven"), new String[] {"label_7"}, new int[] {7}, false, 2, 1, H, W,
                "<f4");
        assertEquals(2, create(root, "").size(Split.TRAIN), "label_7 is the default");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> create(root, "labels = label_19"));
        assertTrue(e.getMessage().contains(root.resolve("train").resolve("label_19") + " is missing")
                && e.getMessage().contains("{image,label_19,depth}"), e.getMessage());
    }

    @Test
    void labelsOfTheOtherSetAreOutOfRange() {
        Path root = MtlFixtures.scenes(dir.resolve("wrong"), new String[] {"label_7"}, new int[] {19}, false, 2, 1, H, W,
                "<f4");
        Cityscapes d = create(root, "");
        try (NDManager m = kit.manager().newSubManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.batch(Split.TRAIN, new int[] {0, 1}, m));
            assertTrue(e.getMessage().contains("label_7") && e.getMessage().contains("[0, 7)"), e.getMessage());
        }
    }
}
