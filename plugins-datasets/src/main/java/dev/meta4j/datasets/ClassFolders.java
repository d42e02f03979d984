package dev.meta4j.datasets;

import dev.meta4j.api.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The folder-per-class layouts: one folder per split, one folder per class in it, the class's
 * PNG or JPEG files in that ({@code train|val|test/<class>/*.jpg}: mini-ImageNet converted by
 * many tools, tiered-ImageNet converted from its pickles); or one folder of all classes with split
 * lists naming them ({@code data/<class>/*.png} with {@code splits/bertinetto/*.txt}: CIFAR-FS as
 * Bertinetto et al. distribute it). Classes and files are sorted by name.
 */
final class ClassFolders {

    private ClassFolders() {}

    /**
     * Whether a folder has this layout's split folders.
     *
     * @param root the data folder
     * @return whether {@code train}, {@code val} and {@code test} are folders in it
     */
    static boolean present(Path root) {
        return FewShotImages.SPLIT_FILES.values().stream().allMatch(s -> Files.isDirectory(root.resolve(s)));
    }

    /**
     * Reads {@code root/{train,val,test}/<class>/*}; a class is named {@code split/class}.
     *
     * @param root the data folder
     * @param side the side to resize to
     * @param channels 1 or 3
     * @return the classes and split
     */
    static FewShotImages.Loaded bySplit(Path root, int side, int channels) {
        List<ImageClasses.Named> classes = new ArrayList<>();
        Map<Split, List<String>> split = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            Path folder = FewShotImages.requireFolder(root.resolve(FewShotImages.SPLIT_FILES.get(s)),
                    "one folder per class, each holding that class's images (" + root + "/{train,val,test}/<class>/*.jpg)");
            List<String> names = new ArrayList<>();
            List<Path> classFolders = FewShotImages.folders(folder);
            if (classFolders.isEmpty()) {
                throw new IllegalArgumentException(folder + " holds no class folders; expected " + folder + "/<class>/*.jpg");
            }
            for (Path c : classFolders) {
                String name = FewShotImages.SPLIT_FILES.get(s) + "/" + c.getFileName();
                classes.add(new ImageClasses.Named(name, ImageClasses.files(FewShotImages.imageFiles(c), side, channels)));
                names.add(name);
            }
            split.put(s, names);
        }
        return new FewShotImages.Loaded(classes, split, "the folders of " + root);
    }

    /**
     * Reads {@code data/<class>/*}, every class folder of {@code data}, split by lists of class names.
     *
     * @param data the folder of class folders
     * @param split the names of each split's classes
     * @param source where the lists come from, for errors
     * @param side the side to resize to
     * @param channels 1 or 3
     * @return the classes and split
     */
    static FewShotImages.Loaded byLists(Path data, Map<Split, List<String>> split, String source, int side, int channels) {
        FewShotImages.requireFolder(data, "one folder per class, each holding that class's images");
        List<ImageClasses.Named> classes = new ArrayList<>();
        for (Path c : FewShotImages.folders(data)) {
            classes.add(new ImageClasses.Named(c.getFileName().toString(),
                    ImageClasses.files(FewShotImages.imageFiles(c), side, channels)));
        }
        return new FewShotImages.Loaded(classes, split, source);
    }
}
