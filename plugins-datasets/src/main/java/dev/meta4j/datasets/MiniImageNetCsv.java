package dev.meta4j.datasets;

import dev.meta4j.api.Split;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * mini-ImageNet in Ravi and Larochelle's layout (2017): {@code train.csv}, {@code val.csv} and
 * {@code test.csv}, each with the header {@code filename,label} and one {@code
 * n0153282900000005.jpg,n01532829} line per image, and the images in {@code images/}. Classes are
 * the labels (WordNet ids) sorted, so their numbering does not depend on the files' order; a
 * class's images keep the file's order. 64 / 16 / 20 classes of 600 images in the real data.
 */
final class MiniImageNetCsv {

    private MiniImageNetCsv() {}

    /**
     * Whether a folder has this layout.
     *
     * @param root the data folder
     * @return whether {@code train.csv} is in it
     */
    static boolean present(Path root) {
        return Files.isRegularFile(root.resolve("train.csv"));
    }

    /**
     * Reads the three CSVs; the images are decoded when drawn.
     *
     * @param root the data folder
     * @param side the side to resize to
     * @return the classes and split
     */
    static FewShotImages.Loaded load(Path root, int side) {
        Path images = FewShotImages.requireFolder(root.resolve("images"),
                "the images that " + root.resolve("train.csv") + " and the other CSVs name");
        List<ImageClasses.Named> classes = new ArrayList<>();
        Map<Split, List<String>> split = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            Path csv = root.resolve(FewShotImages.SPLIT_FILES.get(s) + ".csv");
            if (!Files.isRegularFile(csv)) {
                throw new IllegalArgumentException(csv + " does not exist; expected train.csv, val.csv and test.csv"
                        + " (Ravi & Larochelle's split, header filename,label) beside images/");
            }
            TreeMap<String, List<Path>> byLabel = new TreeMap<>();
            List<String> lines = List.of(new String(ImageClasses.read(csv), StandardCharsets.UTF_8).split("\r?\n"));
            if (lines.isEmpty() || !lines.get(0).strip().equals("filename,label")) {
                throw new IllegalArgumentException(csv + ": line 1 is '" + (lines.isEmpty() ? "" : lines.get(0))
                        + "'; expected the header filename,label");
            }
            for (int n = 1; n < lines.size(); n++) {
                String line = lines.get(n).strip();
                if (line.isEmpty()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != 2 || f[0].isBlank() || f[1].isBlank() || f[0].contains("/") || f[0].contains("\\")) {
                    throw new IllegalArgumentException(csv + ": line " + (n + 1) + " is '" + line
                            + "'; expected <file name>,<label>, such as n0153282900000005.jpg,n01532829");
                }
                Path image = images.resolve(f[0].strip());
                if (!Files.isRegularFile(image)) {
                    throw new IllegalArgumentException(csv + ": line " + (n + 1) + " names " + image
                            + ", which does not exist");
                }
                byLabel.computeIfAbsent(f[1].strip(), k -> new ArrayList<>()).add(image);
            }
            if (byLabel.isEmpty()) {
                throw new IllegalArgumentException(csv + " lists no images");
            }
            List<String> names = new ArrayList<>(byLabel.keySet());
            for (String label : names) {
                classes.add(new ImageClasses.Named(label, ImageClasses.files(byLabel.get(label), side, 3)));
            }
            split.put(s, names);
        }
        return new FewShotImages.Loaded(classes, split, "the CSVs of " + root);
    }
}
