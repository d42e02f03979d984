package dev.meta4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mini-ImageNet, tiered-ImageNet, CIFAR-FS and FC100 on tiny fixtures written in each distributed
 * layout: every layout gives episodes of the right classes (traced by the fixture's colours),
 * auto-detection finds it, and every corrupt input is an error naming the file and what was
 * expected. Also: the cache does not change episodes, augmentation touches training episodes only.
 */
class FewShotImageDatasetsTest {

    @TempDir static Path tmp;
    private static PluginTestKit kit;
    private static final int[] MINI = {4, 3, 3};
    private static final String SMALL = "ways = 2, shots = 1, queries = 2, train-ways = 3, train-queries = 1, image-size = 12";

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT32, 0);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static TaskSource dataset(String name, Path root, String overrides) {
        return (TaskSource) kit.create(PluginKind.DATASET, name, "root = \"" + root + "\"\n" + overrides, Dataset.class);
    }

    private static Path dir(String name, Consumer<Path> fill) {
        Path d = tmp.resolve(name);
        fill.accept(d);
        return d;
    }

    /** Draws training and test episodes and checks them against the fixture's classes. */
    private static void episodes(TaskSource d, int[] perSplit, int side, int classes) {
        try (NDManager m = kit.manager().newSubManager()) {
            TaskBatch train = d.sample(3, new Rng(1), m);
            FewShotFixtures.check(train, d.episodeShape(Split.TRAIN), 3, side, FewShotFixtures.splitClasses(Split.TRAIN, perSplit),
                    classes);
            for (Split s : List.of(Split.VALIDATION, Split.TEST)) {
                TaskBatch b = d.evaluationEpisodes(s, 4).next(4, m);
                FewShotFixtures.check(b, d.episodeShape(s), 4, side, FewShotFixtures.splitClasses(s, perSplit), classes);
            }
        }
    }

    private static IllegalArgumentException fails(String name, Path root, String overrides, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            TaskSource d = dataset(name, root, overrides);
            try (NDManager m = kit.manager().newSubManager()) {
                d.sample(8, new Rng(0), m); // corrupt images surface when drawn
                d.evaluationEpisodes(Split.TEST, 8).next(8, m);
            }
        });
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
        }
        return e;
    }

    // ---- mini-ImageNet ----

    @Test
    void miniImageNetCsvLayout() {
        Path root = dir("mini-csv", r -> FewShotFixtures.miniCsv(r, MINI, 4, 20));
        episodes(dataset("mini-imagenet", root, SMALL), MINI, 12, 10);
        episodes(dataset("mini-imagenet", root, SMALL + ", layout = csv"), MINI, 12, 10);
    }

    @Test
    void miniImageNetFolderLayout() {
        Path root = dir("mini-folders", r -> FewShotFixtures.classFolders(r, MINI, 4, 12, "jpg"));
        episodes(dataset("mini-imagenet", root, SMALL), MINI, 12, 10);
    }

    @Test
    void miniImageNetLearn2learnPickles() {
        Path root = dir("mini-l2l", r -> FewShotFixtures.learn2learnPickles(r, MINI, 4, 12));
        episodes(dataset("mini-imagenet", root, SMALL), MINI, 12, 10);
    }

    @Test
    void miniImageNetMetaOptNetPicklesResizedToTheImageSize() {
        Path root = dir("mini-mon", r -> FewShotFixtures.metaOptNetPickles(r, MiniImageNet.METAOPTNET, MINI, 4, 9));
        episodes(dataset("mini-imagenet", root, SMALL), MINI, 12, 10);
    }

    @Test
    void miniImageNetErrorsNameTheFile() {
        fails("mini-imagenet", tmp.resolve("nowhere"), "", "nowhere", "does not exist", "train.csv");
        Path empty = dir("mini-empty", r -> FewShotFixtures.write(r.resolve("readme.txt"), "x"));
        fails("mini-imagenet", empty, "", "holds no mini-ImageNet layout", "mini-imagenet-cache");

        Path bad = dir("mini-bad-csv", r -> FewShotFixtures.miniCsv(r, MINI, 4, 12));
        FewShotFixtures.write(bad.resolve("val.csv"), "filename,label\nn0000100000000001.jpg\n");
        fails("mini-imagenet", bad, SMALL, bad.resolve("val.csv").toString(), "line 2", "expected <file name>,<label>");
        FewShotFixtures.write(bad.resolve("val.csv"), "file,class\n");
        fails("mini-imagenet", bad, SMALL, "line 1", "expected the header filename,label");
        FewShotFixtures.write(bad.resolve("val.csv"), "filename,label\nmissing.jpg,n1\n");
        fails("mini-imagenet", bad, SMALL, "line 2 names", "missing.jpg", "does not exist");

        Path noImages = dir("mini-no-images", r -> FewShotFixtures.write(r.resolve("train.csv"), "filename,label\n"));
        fails("mini-imagenet", noImages, "", noImages.resolve("images").toString(), "does not exist");

        Path broken = dir("mini-broken-jpeg", r -> FewShotFixtures.classFolders(r, MINI, 4, 12, "jpg"));
        try {
            for (Path f : Files.list(broken.resolve("train").resolve(FewShotFixtures.wnid(0))).toList()) {
                Files.write(f, new byte[] {(byte) 0xff, (byte) 0xd8, 1, 2, 3});
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        fails("mini-imagenet", broken, SMALL + ", train-ways = 4", FewShotFixtures.wnid(0), "not a readable PNG or JPEG");

        Path missingSplit = dir("mini-missing-split", r -> FewShotFixtures.classFolders(r, MINI, 4, 12, "jpg"));
        deleteTree(missingSplit.resolve("val"));
        fails("mini-imagenet", missingSplit, SMALL + ", layout = folders", missingSplit.resolve("val").toString(), "does not exist");

        Path wrongPickle = dir("mini-wrong-pickle", r -> FewShotFixtures.learn2learnPickles(r, MINI, 4, 12));
        PickleWriter.write(wrongPickle.resolve("mini-imagenet-cache-test.pkl"), Map.of("images", List.of(1, 2)));
        fails("mini-imagenet", wrongPickle, SMALL, "mini-imagenet-cache-test.pkl", "no 'image_data' entry", "[images]");
        PickleWriter.write(wrongPickle.resolve("mini-imagenet-cache-test.pkl"), Map.of("image_data", List.of(1),
                "class_dict", Map.of()));
        fails("mini-imagenet", wrongPickle, SMALL, "'image_data' is a list of 1", "expected a uint8 array of rank 4");
        FewShotFixtures.write(wrongPickle.resolve("mini-imagenet-cache-test.pkl"), "not a pickle");
        fails("mini-imagenet", wrongPickle, SMALL, "mini-imagenet-cache-test.pkl", "not a readable Python pickle");
    }

    // ---- tiered-ImageNet ----

    @Test
    void tieredImageNetPicklesAndFolders() {
        Path root = dir("tiered", r -> FewShotFixtures.tieredPickles(r.resolve("tiered-imagenet"), MINI, 4, 14));
        episodes(dataset("tiered-imagenet", root, SMALL), MINI, 12, 10);
        Path folders = dir("tiered-folders", r -> FewShotFixtures.classFolders(r, MINI, 4, 12, "png"));
        episodes(dataset("tiered-imagenet", folders, SMALL), MINI, 12, 10);
    }

    @Test
    void tieredImageNetErrorsNameTheFile() {
        Path root = dir("tiered-bad", r -> FewShotFixtures.tieredPickles(r, MINI, 4, 12));
        PickleWriter.write(root.resolve("val_labels.pkl"), Map.of("label_general", List.of(0)));
        fails("tiered-imagenet", root, SMALL, "val_labels.pkl", "no 'label_specific' entry");
        PickleWriter.write(root.resolve("val_labels.pkl"), Map.of("label_specific", List.of(0, 1)));
        fails("tiered-imagenet", root, SMALL, "val_labels.pkl", "labels 2 images", "holds 12");
        PickleWriter.write(root.resolve("val_images_png.pkl"), Map.of("a", 1));
        fails("tiered-imagenet", root, SMALL, "val_images_png.pkl", "expected a list of PNG-encoded images");
        FewShotFixtures.tieredPickles(root, MINI, 4, 12);
        PickleWriter.write(root.resolve("test_images_png.pkl"), List.of(PickleWriter.Array.uint8(new byte[] {(byte) 0x89, 'P',
                'N', 'G', 0, 0, 0, 0, 0, 0}, 10, 1), new byte[0], "x", "y", "z", "w", "v", "u", "t", "s", "r", "q"));
        fails("tiered-imagenet", root, SMALL, "test_images_png.pkl item ", "not a readable PNG or JPEG");
        PickleWriter.write(root.resolve("test_images_png.pkl"), List.of(1, 2));
        fails("tiered-imagenet", root, SMALL, "test_images_png.pkl: item 0 is a Integer", "expected a PNG-encoded image");
    }

    // ---- CIFAR-FS and FC100 ----

    private static final String CIFAR = "ways = 3, shots = 1, queries = 1, train-ways = 5, train-queries = 1";

    private static Map<Split, Set<Integer>> fineSplit(Map<Split, List<String>> names) {
        List<String> fine = FewShotFixtures.fineNames();
        Map<Split, Set<Integer>> out = new EnumMap<>(Split.class);
        names.forEach((s, ns) -> {
            Set<Integer> ks = new HashSet<>();
            ns.forEach(n -> ks.add(fine.indexOf(n)));
            out.put(s, ks);
        });
        return out;
    }

    private static void cifarEpisodes(TaskSource d, Map<Split, Set<Integer>> split) {
        try (NDManager m = kit.manager().newSubManager()) {
            FewShotFixtures.check(d.sample(2, new Rng(3), m), d.episodeShape(Split.TRAIN), 2, 32, split.get(Split.TRAIN), 100);
            for (Split s : List.of(Split.VALIDATION, Split.TEST)) {
                FewShotFixtures.check(d.evaluationEpisodes(s, 3).next(3, m), d.episodeShape(s), 3, 32, split.get(s), 100);
            }
        }
    }

    @Test
    void cifarFsFromEveryLayoutUsesBertinettosClasses() {
        Map<Split, Set<Integer>> bertinetto = fineSplit(CifarFs.bertinetto());
        assertEquals(64, bertinetto.get(Split.TRAIN).size());
        assertEquals(16, bertinetto.get(Split.VALIDATION).size());
        assertEquals(20, bertinetto.get(Split.TEST).size());
        assertTrue(bertinetto.get(Split.TEST).contains(FewShotFixtures.fineNames().indexOf("chimpanzee")));
        cifarEpisodes(dataset("cifar-fs", dir("cfs-bin", r -> FewShotFixtures.cifarBinary(r, 3)), CIFAR), bertinetto);
        cifarEpisodes(dataset("cifar-fs", dir("cfs-py", r -> FewShotFixtures.cifarPython(r, 3)), CIFAR), bertinetto);
        cifarEpisodes(dataset("cifar-fs", dir("cfs-folders", r -> FewShotFixtures.cifarFsFolders(r, 2, null)), CIFAR),
                bertinetto);
        Map<Split, List<String>> own = Map.of(Split.TRAIN, List.of("apple", "bear", "bed", "bee", "beetle", "bowl"),
                Split.VALIDATION, List.of("cup", "fox", "girl"), Split.TEST, List.of("lion", "man", "whale", "worm"));
        cifarEpisodes(dataset("cifar-fs", dir("cfs-own", r -> FewShotFixtures.cifarFsFolders(r, 2, own)), CIFAR),
                fineSplit(own));
    }

    @Test
    void cifarPixelsArePlanarRgbInOrder() {
        TaskSource d = dataset("cifar-fs", dir("cfs-pixels", r -> FewShotFixtures.cifarBinary(r, 2)), CIFAR + ", layout = cifar100");
        ImageClasses c = (ImageClasses) ((EpisodicImageSource) d).sampler().collection();
        int k = 17;
        byte[] px = c.pixels(k, 1);
        byte[] planar = FewShotFixtures.planar(k, 1);
        for (int p = 0; p < 1024; p++) {
            for (int ch = 0; ch < 3; ch++) {
                assertEquals(planar[ch * 1024 + p], px[3 * p + ch]);
            }
        }
        assertEquals(FewShotFixtures.fineNames().get(k), c.name(k));
    }

    @Test
    void fc100SplitsBySuperclass() {
        Path root = dir("fc100-bin", r -> FewShotFixtures.cifarBinary(r, 3));
        Map<String, String> tax = FewShotFixtures.taxonomy();
        Map<Split, List<String>> superclasses = FewShotImages.shippedSplit("fc100/oreshkin");
        assertEquals(List.of(12, 4, 4), List.of(superclasses.get(Split.TRAIN).size(), superclasses.get(Split.VALIDATION).size(),
                superclasses.get(Split.TEST).size()));
        assertEquals(List.of("aquatic_mammals", "insects", "medium_mammals", "people"), superclasses.get(Split.TEST));
        Map<Split, List<String>> fine = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            fine.put(s, tax.keySet().stream().filter(f -> superclasses.get(s).contains(tax.get(f))).toList());
        }
        assertEquals(List.of(60, 20, 20), List.of(fine.get(Split.TRAIN).size(), fine.get(Split.VALIDATION).size(),
                fine.get(Split.TEST).size()));
        cifarEpisodes(dataset("fc100", root, CIFAR), fineSplit(fine));
        cifarEpisodes(dataset("fc100", dir("fc100-py", r -> FewShotFixtures.cifarPython(r, 3)), CIFAR), fineSplit(fine));
        int[] per = {6, 3, 3};
        Path pickles = dir("fc100-mon", r -> FewShotFixtures.metaOptNetPickles(r, Fc100.METAOPTNET, per, 3, 32));
        TaskSource d = dataset("fc100", pickles, CIFAR);
        try (NDManager m = kit.manager().newSubManager()) {
            FewShotFixtures.check(d.evaluationEpisodes(Split.TEST, 2).next(2, m), d.episodeShape(Split.TEST), 2, 32,
                    FewShotFixtures.splitClasses(Split.TEST, per), 12);
        }
        Path cfsPickles = dir("cfs-mon", r -> FewShotFixtures.metaOptNetPickles(r, CifarFs.METAOPTNET, per, 3, 32));
        TaskSource c = dataset("cifar-fs", cfsPickles, CIFAR);
        try (NDManager m = kit.manager().newSubManager()) {
            FewShotFixtures.check(c.sample(2, new Rng(0), m), c.episodeShape(Split.TRAIN), 2, 32,
                    FewShotFixtures.splitClasses(Split.TRAIN, per), 12);
        }
    }

    @Test
    void cifarErrorsNameTheFile() {
        Path trunc = dir("cifar-trunc", r -> FewShotFixtures.cifarBinary(r, 2));
        Path bin = trunc.resolve("cifar-100-binary/test.bin");
        try {
            byte[] b = Files.readAllBytes(bin);
            Files.write(bin, java.util.Arrays.copyOf(b, b.length - 100));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        fails("fc100", trunc, CIFAR, bin.toString(), "expected a multiple of 3074", "truncated");
        fails("cifar-fs", trunc, CIFAR, bin.toString(), "truncated");

        Map<Split, List<String>> unknown = Map.of(Split.TRAIN, List.of("apple", "bear", "bed", "bee", "beetle"),
                Split.VALIDATION, List.of("cup", "fox", "girl"), Split.TEST, List.of("lion", "man", "unicorn"));
        Path lists = dir("cfs-unknown", r -> FewShotFixtures.cifarFsFolders(r, 2, unknown));
        fails("cifar-fs", lists, CIFAR, lists.resolve("splits/bertinetto").toString(), "test split", "'unicorn'",
                "does not have");

        Path py = dir("cifar-py-bad", r -> FewShotFixtures.cifarPython(r, 2));
        PickleWriter.write(py.resolve("cifar-100-python/test"), Map.of("data", PickleWriter.Array.uint8(new byte[4], 2, 2),
                "fine_labels", List.of(0, 1), "coarse_labels", List.of(0, 1)));
        fails("fc100", py, CIFAR, "cifar-100-python/test", "expected [N, 3072]");
        fails("fc100", tmp.resolve("no-cifar"), "", "no-cifar", "does not exist");
    }

    // ---- cache and augmentation ----

    @Test
    void episodesDoNotDependOnTheCache() {
        Path root = dir("cache", r -> FewShotFixtures.classFolders(r, MINI, 4, 20, "jpg"));
        float[][] runs = new float[3][];
        int r = 0;
        for (String budget : List.of("0", "1", "64")) {
            TaskSource d = dataset("mini-imagenet", root, SMALL + ", cache-megabytes = " + budget);
            try (NDManager m = kit.manager().newSubManager()) {
                Rng rng = new Rng(5);
                d.sample(4, rng, m);
                runs[r++] = d.sample(4, rng, m).supportInputs().toFloatArray();
                d.evaluationEpisodes(Split.TEST, 3).next(3, m);
            }
            ImageCache cache = ((ImageClasses) ((EpisodicImageSource) d).sampler().collection()).cache();
            long cap = Long.parseLong(budget) << 20;
            assertTrue(cache.used() <= cap, "the cache keeps within its budget");
            if (budget.equals("64")) {
                assertTrue(cache.hits() > 0, "a second epoch hits");
                assertEquals(cache.misses() * 12 * 12 * 3, cache.used(), "every decoded image kept, once");
            }
            if (budget.equals("0")) {
                assertEquals(0, cache.used());
            }
        }
        assertArrayEquals(runs[0], runs[1]);
        assertArrayEquals(runs[0], runs[2]);
    }

    @Test
    void augmentationChangesTrainingEpisodesOnly() {
        Path root = dir("augment", r -> FewShotFixtures.learn2learnPickles(r, MINI, 4, 12));
        TaskSource plain = dataset("mini-imagenet", root, SMALL);
        TaskSource aug = dataset("mini-imagenet", root, SMALL + ", augment = true, augment-padding = 3");
        try (NDManager m = kit.manager().newSubManager()) {
            float[] a = plain.sample(2, new Rng(8), m).supportInputs().toFloatArray();
            float[] b = aug.sample(2, new Rng(8), m).supportInputs().toFloatArray();
            float[] b2 = aug.sample(2, new Rng(8), m).supportInputs().toFloatArray();
            assertFalse(java.util.Arrays.equals(a, b), "training images are augmented");
            assertArrayEquals(b, b2, "augmentation follows the generator");
            assertArrayEquals(plain.evaluationEpisodes(Split.TEST, 3).next(3, m).queryInputs().toFloatArray(),
                    aug.evaluationEpisodes(Split.TEST, 3).next(3, m).queryInputs().toFloatArray(),
                    "held-out episodes are never augmented");
            // flips alone leave the solid fixture images as they are: the same classes and images are drawn
            TaskSource flipOnly = dataset("mini-imagenet", root, SMALL + ", augment = true, augment-padding = 0,"
                    + " augment-brightness = 0, augment-contrast = 0, augment-saturation = 0");
            assertArrayEquals(a, flipOnly.sample(2, new Rng(8), m).supportInputs().toFloatArray(),
                    "augmentation does not shift the episode draws");
        }
    }

    private static void deleteTree(Path p) {
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
