package dev.meta4j.datasets;

import dev.meta4j.api.Split;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pickles MetaOptNet distributes (made by Gidaris and Komodakis's tools, Python 2 pickles):
 * a dict with {@code 'data'}, a uint8 array {@code [N, H, W, 3]}, and {@code 'labels'}, a list of N
 * ints, as MetaOptNet's {@code data/mini_imagenet.py}, {@code CIFAR_FS.py} and {@code FC100.py}
 * read them; other entries ({@code 'catname2label'}) are ignored. Files: mini-ImageNet {@code
 * miniImageNet_category_split_train_phase_train.pickle}, {@code ..._val.pickle}, {@code
 * ..._test.pickle}; CIFAR-FS {@code CIFAR_FS_{train,val,test}.pickle}; FC100 {@code
 * FC100_{train,val,test}.pickle}. MetaOptNet adds the training classes' held-out images ({@code
 * train_phase_val}, {@code train_phase_test}) to validation and test for its base-class accuracy;
 * few-shot episodes use the novel classes only, so those files are not read. A class is named
 * {@code split/label}, sorted by label.
 */
final class MetaOptNetPickles {

    private MetaOptNetPickles() {}

    /**
     * Reads the three files.
     *
     * @param files the file of each split
     * @param side the side to resize to
     * @return the classes and split
     */
    static FewShotImages.Loaded load(Map<Split, Path> files, int side) {
        List<ImageClasses.Named> classes = new ArrayList<>();
        Map<Split, List<String>> split = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            Path file = files.get(s);
            String what = "MetaOptNet's dict with 'data' (uint8 [N, H, W, 3]) and 'labels' (N ints)";
            Map<?, ?> m = NumpyPickles.dict(NumpyPickles.load(file), file, what);
            NumpyPickles.NdArray data = NumpyPickles.uint8(NumpyPickles.entry(m, "data", file, what), file, "data", 4);
            long[] labels = NumpyPickles.integers(NumpyPickles.entry(m, "labels", file, what), file, "labels");
            int[] shape = data.shape();
            if (shape[3] != 3 || labels.length != shape[0]) {
                throw new IllegalArgumentException(file + ": 'data' is " + data.describe() + " and 'labels' has "
                        + labels.length + " items; expected [N, H, W, 3] with N labels");
            }
            long size = (long) shape[1] * shape[2] * 3;
            TreeMap<Long, List<Long>> byLabel = new TreeMap<>();
            for (int i = 0; i < labels.length; i++) {
                byLabel.computeIfAbsent(labels[i], k -> new ArrayList<>()).add(i * size);
            }
            List<String> names = new ArrayList<>();
            byLabel.forEach((label, starts) -> {
                String name = FewShotImages.SPLIT_FILES.get(s) + "/" + label;
                classes.add(new ImageClasses.Named(name, ImageClasses.raw(data.data(),
                        starts.stream().mapToLong(Long::longValue).toArray(), shape[2], shape[1], 3, false, side)));
                names.add(name);
            });
            split.put(s, names);
        }
        return new FewShotImages.Loaded(classes, split, "the pickles " + files.values());
    }
}
