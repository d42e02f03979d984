package dev.meta4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.EpisodeShape;
import dev.meta4j.api.data.Episodes;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Fashion-MNIST episodes on a generated IDX folder: the split by base label, where every
 * image of an episode comes from (which label, which rotation), held-out sequences that do not
 * depend on the chunk size, and the errors.
 */
class FashionMnistEpisodesTest {

    @TempDir static Path tmp;
    private static IdxFixtures.Fashion data;
    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        data = IdxFixtures.fashion(tmp.resolve("fashion"), 300, 100, true, 21);
        kit = PluginTestKit.open(DataType.FLOAT32, 0);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static FashionMnistEpisodes dataset(String overrides) {
        return (FashionMnistEpisodes) kit.create(PluginKind.DATASET, "fashion-mnist-episodes",
                "root = \"" + data.root() + "\"\n" + overrides, Dataset.class);
    }

    @Test
    void classesAreSplitByBaseLabelAsDocumented() {
        FashionMnistEpisodes d = dataset("");
        Map<Split, Set<Integer>> labels = new HashMap<>();
        Set<Integer> all = new HashSet<>();
        for (Split s : Split.values()) {
            Set<Integer> ls = new HashSet<>();
            for (int c : d.classes(s)) {
                ls.add(c / 4);
                assertTrue(all.add(c), "class " + c + " is in one split only");
            }
            labels.put(s, ls);
        }
        assertEquals(40, all.size());
        assertEquals(Set.of(6, 2, 9, 8, 3, 0), labels.get(Split.TRAIN), "the split documented for split-seed = 0");
        assertEquals(Set.of(5, 1), labels.get(Split.VALIDATION));
        assertEquals(Set.of(4, 7), labels.get(Split.TEST));
        assertEquals(24, d.classes(Split.TRAIN).length);
        FashionMnistEpisodes other = dataset("split-seed = 5");
        assertFalse(Arrays.equals(d.classes(Split.TEST), other.classes(Split.TEST)), "the split follows split-seed");
    }

    /** Every image of the fixture, under every rotation, by its pixels. */
    private static Map<String, int[]> catalogue() {
        Map<String, int[]> out = new HashMap<>();
        float[] buf = new float[784];
        FashionMnistEpisodes d = dataset("");
        EpisodicImages.Classes images = imagesOf(d);
        for (int c = 0; c < images.count(); c++) {
            for (int i = 0; i < images.images(c); i++) {
                images.copy(c, i, java.nio.FloatBuffer.wrap(buf), 0);
                out.put(Arrays.toString(buf), new int[] {c, i});
            }
        }
        return out;
    }

    private static EpisodicImages.Classes imagesOf(FashionMnistEpisodes d) {
        return d.sampler().collection();
    }

    @Test
    void rotationsFollowNumpysRot90() {
        EpisodicImages.Classes images = imagesOf(dataset(""));
        float[] r0 = new float[784];
        float[] r1 = new float[784];
        float[] r2 = new float[784];
        float[] r3 = new float[784];
        int label = 3;
        images.copy(label * 4, 0, java.nio.FloatBuffer.wrap(r0), 0);
        images.copy(label * 4 + 1, 0, java.nio.FloatBuffer.wrap(r1), 0);
        images.copy(label * 4 + 2, 0, java.nio.FloatBuffer.wrap(r2), 0);
        images.copy(label * 4 + 3, 0, java.nio.FloatBuffer.wrap(r3), 0);
        // the first training-file image of label 3, straight from the fixture's bytes
        int first = 0;
        while (data.trainLabels()[first] != label) {
            first++;
        }
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                assertEquals(data.trainPixel(first, y, x) / 255f, r0[y * 28 + x]);
                // numpy.rot90(a)[y][x] = a[x][27 - y]
                assertEquals(data.trainPixel(first, x, 27 - y) / 255f, r1[y * 28 + x]);
                assertEquals(data.trainPixel(first, 27 - y, 27 - x) / 255f, r2[y * 28 + x]);
                assertEquals(data.trainPixel(first, 27 - x, y) / 255f, r3[y * 28 + x]);
            }
        }
        int perLabel = 0;
        for (byte b : data.trainLabels()) {
            perLabel += b == label ? 1 : 0;
        }
        for (byte b : data.testLabels()) {
            perLabel += b == label ? 1 : 0;
        }
        assertEquals(perLabel, images.images(label * 4 + 2), "a class has its label's images of both files");
    }

    @Test
    void episodesAreNWayKShotOverTheSplitsClasses() {
        FashionMnistEpisodes d = dataset("ways = 4, shots = 2, queries = 3, train-ways = 7, train-queries = 4");
        assertEquals(new EpisodeShape(7, 2, 4), d.episodeShape(Split.TRAIN), "train-shots = null takes shots");
        assertEquals(new EpisodeShape(4, 2, 3), d.episodeShape(Split.TEST));
        assertEquals(4, d.spec().tasks().get(0).outputs());
        Map<String, int[]> where = catalogue();
        try (NDManager m = kit.manager().newSubManager()) {
            TaskBatch b = d.sample(3, new Rng(9), m);
            check(b, d, Split.TRAIN, 3, where);
            TaskBatch t = d.evaluationEpisodes(Split.TEST, 5).next(5, m);
            check(t, d, Split.TEST, 5, where);
        }
    }

    private static void check(TaskBatch b, FashionMnistEpisodes d, Split split, int tasks, Map<String, int[]> where) {
        EpisodeShape s = d.episodeShape(split);
        int ways = s.ways();
        assertEquals(new Shape(tasks, (long) ways * s.shots(), 1, 28, 28), b.supportInputs().getShape());
        assertEquals(new Shape(tasks, (long) ways * s.queries(), 1, 28, 28), b.queryInputs().getShape());
        assertEquals(DataType.FLOAT32, b.supportInputs().getDataType());
        Set<Integer> splitClasses = new HashSet<>();
        for (int c : d.classes(split)) {
            splitClasses.add(c);
        }
        for (int t = 0; t < tasks; t++) {
            float[] sx = b.supportInputs().get(t).toFloatArray();
            float[] qx = b.queryInputs().get(t).toFloatArray();
            long[] sy = b.supportTargets().get(t).toLongArray();
            long[] qy = b.queryTargets().get(t).toLongArray();
            int[] classOfLabel = new int[ways];
            Arrays.fill(classOfLabel, -1);
            Set<String> used = new HashSet<>();
            for (int k = 0; k < sy.length + qy.length; k++) {
                boolean support = k < sy.length;
                int idx = support ? k : k - sy.length;
                int label = (int) (support ? sy[idx] : qy[idx]);
                int expected = support ? idx / s.shots() : idx / s.queries();
                assertEquals(expected, label, "class-major labels");
                float[] img = Arrays.copyOfRange(support ? sx : qx, idx * 784, idx * 784 + 784);
                int[] origin = where.get(Arrays.toString(img));
                assertNotNull(origin, "every image is a fixture image under a rotation");
                assertTrue(splitClasses.contains(origin[0]), "class " + origin[0] + " belongs to the split");
                if (classOfLabel[label] < 0) {
                    classOfLabel[label] = origin[0];
                }
                assertEquals(classOfLabel[label], origin[0], "one class per label");
                assertTrue(used.add(origin[0] + "/" + origin[1]), "no image twice in an episode");
            }
            assertEquals(ways, Arrays.stream(classOfLabel).distinct().count(), "distinct classes");
        }
    }

    @Test
    void heldOutEpisodesDoNotDependOnTheChunkSize() {
        FashionMnistEpisodes d = dataset("shots = 1, queries = 2");
        float[] whole;
        long[] wholeLabels;
        try (NDManager m = kit.manager().newSubManager()) {
            TaskBatch all = d.evaluationEpisodes(Split.VALIDATION, 11).next(11, m);
            whole = all.queryInputs().toFloatArray();
            wholeLabels = all.supportTargets().toLongArray();
            float[] test = d.evaluationEpisodes(Split.TEST, 11).next(11, m).queryInputs().toFloatArray();
            assertFalse(Arrays.equals(whole, test), "validation and test episodes differ");
        }
        for (int chunk : List.of(1, 3, 4, 11)) {
            Episodes e = d.evaluationEpisodes(Split.VALIDATION, 11);
            float[] got = new float[whole.length];
            int at = 0;
            while (e.remaining() > 0) {
                try (NDManager m = kit.manager().newSubManager()) {
                    float[] part = e.next(chunk, m).queryInputs().toFloatArray();
                    System.arraycopy(part, 0, got, at, part.length);
                    at += part.length;
                }
            }
            assertEquals(whole.length, at);
            assertArrayEquals(whole, got, "chunks of " + chunk);
        }
        assertEquals(11 * 5, wholeLabels.length);
    }

    @Test
    void trainingEpisodesFollowTheGivenGenerator() {
        FashionMnistEpisodes d = dataset("");
        try (NDManager m = kit.manager().newSubManager()) {
            float[] a = d.sample(2, new Rng(4), m).supportInputs().toFloatArray();
            float[] b = d.sample(2, new Rng(4), m).supportInputs().toFloatArray();
            float[] c = d.sample(2, new Rng(5), m).supportInputs().toFloatArray();
            assertArrayEquals(a, b);
            assertFalse(Arrays.equals(a, c));
        }
    }

    @Test
    void missingFilesNameThePathAndTheDebianPackage() {
        Path nowhere = tmp.resolve("no-such-folder");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kit.create(PluginKind.DATASET,
                "fashion-mnist-episodes", "root = \"" + nowhere + "\"", Dataset.class));
        assertTrue(e.getMessage().contains(nowhere.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
    }

    @Test
    void tooManyWaysForTheSplitIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dataset("ways = 9"));
        assertTrue(e.getMessage().contains("validation split has only 8 classes"), e.getMessage());
    }

    @Test
    void distinctDrawsAreDistinctAndUniform() {
        Rng rng = new Rng(1);
        int[] hits = new int[10];
        for (int r = 0; r < 20000; r++) {
            int[] d = EpisodicImages.distinct(10, 3, rng);
            assertEquals(3, Arrays.stream(d).distinct().count());
            for (int v : d) {
                hits[v]++;
            }
        }
        for (int h : hits) {
            assertEquals(6000, h, 300, "each of 10 numbers is drawn 3/10 of the time");
        }
    }
}
