package dev.meta4j.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Omniglot as Lake et al. distribute it: {@code images_background} (30 alphabets, 964 characters)
 * and {@code images_evaluation} (20 alphabets, 659 characters), each {@code
 * <Alphabet>/characterNN/<drawing>_<NN>.png} with 20 drawings of a character, 105×105 and 1-bit.
 * Either set may be a folder or its zip ({@code images_background.zip}, whose entries start with
 * {@code images_background/}); a folder wins over a zip. The data folder may also be torchvision's
 * {@code omniglot-py}. A character is named {@code Alphabet/characterNN}, as in the Vinyals split
 * lists; its drawings are sorted by file name. Zips are read into memory once (about 15 MB of PNGs
 * for both), so no file stays open.
 */
final class OmniglotFiles {

    static final List<String> SETS = List.of("images_background", "images_evaluation");
    static final String HINT = "expected the Omniglot folders images_background/ and images_evaluation/ (or their"
            + " zips images_background.zip, images_evaluation.zip) with <Alphabet>/characterNN/*.png";

    private OmniglotFiles() {}

    /**
     * The characters of both sets, sorted by name, with their drawings.
     *
     * @param root the data folder
     * @param side the side to resize to
     * @return the classes
     */
    static List<ImageClasses.Named> load(Path root, int side) {
        FewShotImages.requireFolder(root, HINT);
        Path base = root;
        if (SETS.stream().noneMatch(s -> present(root, s)) && Files.isDirectory(root.resolve("omniglot-py"))) {
            base = root.resolve("omniglot-py");
        }
        TreeMap<String, ImageClasses.Images> characters = new TreeMap<>();
        boolean any = false;
        for (String set : SETS) {
            Path folder = base.resolve(set);
            Path zip = base.resolve(set + ".zip");
            if (Files.isDirectory(folder)) {
                readFolder(folder, side, characters);
                any = true;
            } else if (Files.isRegularFile(zip)) {
                readZip(zip, set, side, characters);
                any = true;
            }
        }
        if (!any) {
            throw new IllegalArgumentException(root + " holds no Omniglot images; " + HINT);
        }
        List<ImageClasses.Named> out = new ArrayList<>();
        characters.forEach((name, images) -> out.add(new ImageClasses.Named(name, images)));
        return out;
    }

    private static boolean present(Path root, String set) {
        return Files.isDirectory(root.resolve(set)) || Files.isRegularFile(root.resolve(set + ".zip"));
    }

    private static void readFolder(Path folder, int side, TreeMap<String, ImageClasses.Images> out) {
        List<Path> alphabets = FewShotImages.folders(folder);
        if (alphabets.isEmpty()) {
            throw new IllegalArgumentException(folder + " holds no alphabet folders; " + HINT);
        }
        for (Path alphabet : alphabets) {
            for (Path character : FewShotImages.folders(alphabet)) {
                List<Path> files = FewShotImages.imageFiles(character);
                put(out, alphabet.getFileName() + "/" + character.getFileName(), ImageClasses.files(files, side, 1), character);
            }
        }
    }

    private static void readZip(Path zip, String set, int side, TreeMap<String, ImageClasses.Images> out) {
        TreeMap<String, TreeMap<String, byte[]>> byCharacter = new TreeMap<>();
        try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
                if (e.isDirectory()) {
                    continue;
                }
                String[] parts = e.getName().split("/");
                if (parts.length != 4 || !parts[0].equals(set)) {
                    if (parts[parts.length - 1].startsWith(".") || parts[0].equals("__MACOSX")) {
                        continue;
                    }
                    throw new IllegalArgumentException(zip + ": entry " + e.getName() + " is not " + set
                            + "/<Alphabet>/<character>/<drawing>.png");
                }
                if (!parts[3].toLowerCase(java.util.Locale.ROOT).endsWith(".png")) {
                    continue;
                }
                byCharacter.computeIfAbsent(parts[1] + "/" + parts[2], k -> new TreeMap<>()).put(parts[3], z.readAllBytes());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(zip + ": not a readable zip (" + e.getMessage() + "); " + HINT, e);
        }
        if (byCharacter.isEmpty()) {
            throw new IllegalArgumentException(zip + " holds no " + set + "/<Alphabet>/<character>/*.png entries");
        }
        byCharacter.forEach((name, drawings) -> {
            List<String> names = new ArrayList<>(drawings.keySet());
            List<byte[]> bytes = new ArrayList<>(drawings.values());
            put(out, name, ImageClasses.encoded(names.size(), bytes::get, i -> zip + "!/" + set + "/" + name + "/" + names.get(i),
                    side, 1), zip);
        });
    }

    private static void put(TreeMap<String, ImageClasses.Images> out, String name, ImageClasses.Images images, Object where) {
        if (out.put(name, images) != null) {
            throw new IllegalArgumentException("character " + name + " appears twice (again in " + where
                    + "); expected images_background and images_evaluation to have distinct alphabets");
        }
    }
}
