package dev.meta4j.datasets;

import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.EpisodeShape;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the few-shot image datasets ({@code omniglot}, {@code mini-imagenet}, {@code
 * tiered-imagenet}, {@code cifar-fs}, {@code fc100}) share besides the sampler: their common
 * settings (episode shapes, held-out seeds, image size, cache budget, augmentation; see the
 * module's {@code reference.conf}), splits given by class names, and the split lists shipped as
 * resources under {@code dev/meta4j/datasets/splits/}.
 */
final class FewShotImages {

    /** The three splits with the file names the datasets' split lists use. */
    static final Map<Split, String> SPLIT_FILES = Map.of(Split.TRAIN, "train", Split.VALIDATION, "val", Split.TEST, "test");

    private FewShotImages() {}

    /**
     * A dataset's sampler and spec, ready for {@link EpisodicImageSource}.
     *
     * @param sampler the sampler
     * @param spec the spec
     * @param classes the collection
     */
    record Built(EpisodicImages sampler, DataSpec spec, ImageClasses classes) {}

    /**
     * What a layout's reader found: the base classes, and the names of each split's classes.
     *
     * @param classes the classes
     * @param split the names of each split's classes
     * @param source where the split comes from, for errors
     */
    record Loaded(List<ImageClasses.Named> classes, Map<Split, List<String>> split, String source) {}

    /**
     * Builds a dataset from what a layout's reader found.
     *
     * @param c the dataset's settings
     * @param common its common settings
     * @param loaded the classes and split
     * @param channels 1 or 3
     * @param dataType the inputs' type
     * @return the sampler and spec
     */
    static Built build(Config c, Common common, Loaded loaded, int channels, DataType dataType) {
        ImageClasses classes = new ImageClasses(loaded.classes(), common.side(), channels, 1, false, common.cache(),
                common.augmentation());
        return build(c, classes, byNames(classes, loaded.split(), loaded.source(), common.root()), dataType);
    }

    /**
     * The settings every few-shot image dataset has, read once.
     *
     * @param root the data folder
     * @param side the image side
     * @param cache the decoded-image cache
     * @param augmentation the training augmentation, or null when {@code augment = false}
     */
    record Common(Path root, int side, ImageCache cache, Lee19Augmentation augmentation) {
        static Common of(Config c) {
            Lee19Augmentation aug = c.getBoolean("augment")
                    ? new Lee19Augmentation(c.getInt("augment-padding"), c.getDouble("augment-brightness"),
                            c.getDouble("augment-contrast"), c.getDouble("augment-saturation"), c.getBoolean("augment-flip"))
                    : null;
            return new Common(Path.of(c.getString("root")), c.getInt("image-size"),
                    new ImageCache(c.getLong("cache-megabytes") << 20), aug);
        }
    }

    /**
     * Builds the sampler over a collection.
     *
     * @param c the dataset's settings
     * @param classes the collection
     * @param baseSplit the base classes of each split (rotations are added here)
     * @param dataType the inputs' type
     * @return the sampler and spec
     */
    static Built build(Config c, ImageClasses classes, Map<Split, int[]> baseSplit, DataType dataType) {
        int shots = c.getInt("shots");
        EpisodeShape held = new EpisodeShape(c.getInt("ways"), shots, c.getInt("queries"));
        EpisodeShape train = new EpisodeShape(c.getInt("train-ways"),
                c.hasPath("train-shots") ? c.getInt("train-shots") : shots, c.getInt("train-queries"));
        Map<Split, EpisodeShape> shapes = new EnumMap<>(Split.class);
        shapes.put(Split.TRAIN, train);
        shapes.put(Split.VALIDATION, held);
        shapes.put(Split.TEST, held);
        Map<Split, int[]> split = new EnumMap<>(Split.class);
        baseSplit.forEach((s, base) -> split.put(s, classes.expand(base)));
        EpisodicImages sampler = new EpisodicImages(classes, split, shapes, c.getLong("validation-seed"),
                c.getLong("test-seed"), dataType);
        DataSpec spec = new DataSpec(classes.imageShape(), List.of(new ClassificationTask("class", held.ways())));
        return new Built(sampler, spec, classes);
    }

    /**
     * Splits by class names.
     *
     * @param classes the collection's base classes
     * @param lists the names of each split's classes
     * @param source where the lists come from, for errors (a file or a resource)
     * @param where where the classes come from, for errors (the data folder)
     * @return the base class numbers of each split, in the lists' order
     * @throws IllegalArgumentException if a list names a class the data do not have, or a class twice
     */
    static Map<Split, int[]> byNames(ImageClasses classes, Map<Split, List<String>> lists, String source, Object where) {
        Map<String, Integer> index = new HashMap<>();
        for (int b = 0; b < classes.baseCount(); b++) {
            index.put(classes.name(b), b);
        }
        Set<String> seen = new java.util.HashSet<>();
        Map<Split, int[]> out = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            List<String> names = lists.get(s);
            int[] bs = new int[names.size()];
            for (int i = 0; i < bs.length; i++) {
                String n = names.get(i);
                Integer b = index.get(n);
                if (b == null) {
                    throw new IllegalArgumentException(source + " (" + s.key() + " split) names class '" + n
                            + "', which " + where + " does not have (it has " + classes.baseCount() + " classes"
                            + (classes.baseCount() > 0 ? ", such as '" + classes.name(0) + "'" : "") + ")");
                }
                if (!seen.add(n)) {
                    throw new IllegalArgumentException(source + " names class '" + n + "' twice");
                }
                bs[i] = b;
            }
            out.put(s, bs);
        }
        return out;
    }

    /**
     * The lines of a split list shipped with this module.
     *
     * @param dataset the dataset's folder under {@code splits/}, such as {@code omniglot/vinyals}
     * @return each split's lines
     */
    static Map<Split, List<String>> shippedSplit(String dataset) {
        Map<Split, List<String>> out = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            String resource = "splits/" + dataset + "/" + SPLIT_FILES.get(s) + ".txt";
            try (InputStream in = FewShotImages.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + resource + " is missing from the plugin's jar");
                }
                out.put(s, lines(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new IllegalStateException("resource " + resource + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * The lines of {@code train.txt}, {@code val.txt} and {@code test.txt} in a folder.
     *
     * @param folder the folder
     * @return each split's lines
     */
    static Map<Split, List<String>> splitFiles(Path folder) {
        Map<Split, List<String>> out = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            Path f = folder.resolve(SPLIT_FILES.get(s) + ".txt");
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException("split file " + f + " does not exist; expected " + folder
                        + " to hold train.txt, val.txt and test.txt, one class per line");
            }
            out.put(s, lines(new String(ImageClasses.read(f), StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** Non-empty lines, trimmed, in order, without duplicates. */
    static List<String> lines(String text) {
        Set<String> out = new LinkedHashSet<>();
        try (BufferedReader r = new BufferedReader(new java.io.StringReader(text))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String t = line.strip();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new ArrayList<>(out);
    }

    /**
     * The image files of a folder ({@code .png}, {@code .jpg}, {@code .jpeg}, any case), sorted by name.
     *
     * @param folder the folder
     * @return the files
     * @throws IllegalArgumentException naming the folder if it has none
     */
    static List<Path> imageFiles(Path folder) {
        try (var s = Files.list(folder)) {
            List<Path> files = s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                return Files.isRegularFile(p) && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
            }).sorted().toList();
            if (files.isEmpty()) {
                throw new IllegalArgumentException(folder + " holds no .png or .jpg images; expected a class's images");
            }
            return files;
        } catch (IOException e) {
            throw new IllegalArgumentException(folder + ": cannot be listed (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The sub-folders of a folder, sorted by name.
     *
     * @param folder the folder
     * @return the sub-folders
     */
    static List<Path> folders(Path folder) {
        try (var s = Files.list(folder)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new IllegalArgumentException(folder + ": cannot be listed (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Fails unless a folder exists.
     *
     * @param folder the folder
     * @param what what it should hold, for the message
     * @return the folder
     */
    static Path requireFolder(Path folder, String what) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("folder " + folder + " does not exist; expected " + what);
        }
        return folder;
    }
}
