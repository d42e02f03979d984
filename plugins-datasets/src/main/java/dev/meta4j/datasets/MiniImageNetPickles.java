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
 * mini-ImageNet as learn2learn distributes it: {@code mini-imagenet-cache-train.pkl}, {@code
 * -validation.pkl} and {@code -test.pkl}, each a dict with {@code 'image_data'}, a uint8 array
 * {@code [N, 84, 84, 3]}, and {@code 'class_dict'}, WordNet id → list of indices into it, as
 * learn2learn's {@code vision/datasets/mini_imagenet.py} reads them. learn2learn numbers classes
 * in the dict's order; a Java map has none, so classes are sorted by WordNet id here. A class's
 * images keep their list's order.
 */
final class MiniImageNetPickles {

    static final Map<Split, String> FILES = Map.of(Split.TRAIN, "mini-imagenet-cache-train.pkl",
            Split.VALIDATION, "mini-imagenet-cache-validation.pkl", Split.TEST, "mini-imagenet-cache-test.pkl");

    private MiniImageNetPickles() {}

    /**
     * Whether a folder has this layout.
     *
     * @param root the data folder
     * @return whether the train pickle is in it
     */
    static boolean present(Path root) {
        return Files.isRegularFile(root.resolve(FILES.get(Split.TRAIN)));
    }

    /**
     * Reads the three pickles.
     *
     * @param root the data folder
     * @param side the side to resize to
     * @return the classes and split
     */
    static FewShotImages.Loaded load(Path root, int side) {
        List<ImageClasses.Named> classes = new ArrayList<>();
        Map<Split, List<String>> split = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            Path file = root.resolve(FILES.get(s));
            String what = "learn2learn's dict with 'image_data' (uint8 [N, 84, 84, 3]) and 'class_dict' (wnid -> indices)";
            Map<?, ?> m = NumpyPickles.dict(NumpyPickles.load(file), file, what);
            NumpyPickles.NdArray data = NumpyPickles.uint8(NumpyPickles.entry(m, "image_data", file, what), file,
                    "image_data", 4);
            int[] shape = data.shape();
            if (shape[3] != 3) {
                throw new IllegalArgumentException(file + ": 'image_data' is " + data.describe() + "; expected [N, H, W, 3]");
            }
            Map<?, ?> dict = NumpyPickles.dict(NumpyPickles.entry(m, "class_dict", file, what), file,
                    "'class_dict' to be a dict wnid -> list of indices");
            TreeMap<String, long[]> byName = new TreeMap<>();
            for (Map.Entry<?, ?> e : dict.entrySet()) {
                String name = String.valueOf(e.getKey());
                long[] idx = NumpyPickles.integers(e.getValue(), file, "class_dict[" + name + "]");
                long size = (long) shape[1] * shape[2] * 3;
                for (int i = 0; i < idx.length; i++) {
                    if (idx[i] < 0 || idx[i] >= shape[0]) {
                        throw new IllegalArgumentException(file + ": class_dict[" + name + "] holds index " + idx[i]
                                + "; expected indices in [0, " + shape[0] + ")");
                    }
                    idx[i] *= size;
                }
                byName.put(name, idx);
            }
            List<String> names = new ArrayList<>(byName.keySet());
            byName.forEach((name, starts) -> classes.add(new ImageClasses.Named(name,
                    ImageClasses.raw(data.data(), starts, shape[2], shape[1], 3, false, side))));
            split.put(s, names);
        }
        return new FewShotImages.Loaded(classes, split, "the pickles in " + root);
    }
}
