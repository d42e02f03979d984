package dev.meta4j.datasets;

import dev.meta4j.api.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * tiered-ImageNet as Ren et al. (2018) distribute it and learn2learn downloads it: for each split
 * {@code train}, {@code val}, {@code test}, {@code <split>_images_png.pkl}, a list of PNG-encoded
 * 84×84 images (each the uint8 array {@code cv2.imencode} returns, or bytes, or a Python 2 {@code str}), and {@code
 * <split>_labels.pkl}, a dict whose {@code 'label_specific'} gives each image's class in the split
 * (its other entries, {@code 'label_general'}, {@code 'label_specific_str'}, {@code
 * 'label_general_str'}, are not needed), as Ren et al.'s {@code tiered_imagenet.py} and
 * learn2learn's {@code vision/datasets/tiered_imagenet.py} read them. The files may also be in a
 * {@code tiered-imagenet/} folder of {@code root}, where learn2learn puts them. 351 / 97 / 160
 * classes in the real data. The PNGs stay encoded in memory (a few GB for the training split: give
 * the JVM the heap) and are decoded into the cache when drawn. Ren et al.'s code decodes with
 * OpenCV into BGR order; here, as in learn2learn (PIL), pixels are RGB. A class is named {@code
 * split/label}.
 */
final class TieredImageNetPickles {

    private TieredImageNetPickles() {}

    /**
     * The folder holding the pickles, if {@code root} or its {@code tiered-imagenet/} does.
     *
     * @param root the data folder
     * @return the folder, or null
     */
    static Path locate(Path root) {
        for (Path p : List.of(root, root.resolve("tiered-imagenet"))) {
            if (Files.isRegularFile(p.resolve("train_images_png.pkl"))) {
                return p;
            }
        }
        return null;
    }

    /**
     * Reads the six pickles.
     *
     * @param folder the folder holding them
     * @param side the side to resize to
     * @return the classes and split
     */
    static FewShotImages.Loaded load(Path folder, int side) {
        List<ImageClasses.Named> classes = new ArrayList<>();
        Map<Split, List<String>> split = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            String key = FewShotImages.SPLIT_FILES.get(s);
            Path imagesFile = folder.resolve(key + "_images_png.pkl");
            Path labelsFile = folder.resolve(key + "_labels.pkl");
            List<byte[]> pngs = pngs(NumpyPickles.load(imagesFile), imagesFile);
            String what = "a dict with 'label_specific' (one class per image)";
            Map<?, ?> m = NumpyPickles.dict(NumpyPickles.load(labelsFile), labelsFile, what);
            long[] labels = NumpyPickles.integers(NumpyPickles.entry(m, "label_specific", labelsFile, what), labelsFile,
                    "label_specific");
            if (labels.length != pngs.size()) {
                throw new IllegalArgumentException(labelsFile + " labels " + labels.length + " images but " + imagesFile
                        + " holds " + pngs.size() + "; expected one label per image");
            }
            TreeMap<Long, List<Integer>> byLabel = new TreeMap<>();
            for (int i = 0; i < labels.length; i++) {
                byLabel.computeIfAbsent(labels[i], k -> new ArrayList<>()).add(i);
            }
            List<String> names = new ArrayList<>();
            byLabel.forEach((label, items) -> {
                String name = key + "/" + label;
                classes.add(new ImageClasses.Named(name, ImageClasses.encoded(items.size(), i -> pngs.get(items.get(i)),
                        i -> imagesFile + " item " + items.get(i), side, 3)));
                names.add(name);
            });
            split.put(s, names);
        }
        return new FewShotImages.Loaded(classes, split, "the pickles in " + folder);
    }

    private static List<byte[]> pngs(Object o, Path file) {
        List<?> items;
        if (o instanceof List<?> l) {
            items = l;
        } else if (o instanceof NumpyPickles.NdArray a && a.objects() != null) {
            items = a.objects();
        } else {
            throw new IllegalArgumentException(file + " holds " + NumpyPickles.kind(o)
                    + "; expected a list of PNG-encoded images (uint8 arrays or bytes)");
        }
        List<byte[]> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            if (item instanceof byte[] b) {
                out.add(b);
            } else if (item instanceof String str) { // a Python 2 str of the PNG's bytes
                out.add(str.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            } else if (item instanceof NumpyPickles.NdArray a && a.dtype().equals("|u1") && a.data() != null) {
                out.add(a.data());
            } else {
                throw new IllegalArgumentException(file + ": item " + i + " is " + NumpyPickles.kind(item)
                        + "; expected a PNG-encoded image (a uint8 array or bytes)");
            }
        }
        return out;
    }
}
