package dev.meta4j.datasets;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * CIFAR-100 (Krizhevsky 2009) as distributed, the source of CIFAR-FS and FC100: the binary version
 * ({@code cifar-100-binary/}: {@code train.bin} and {@code test.bin}, each record one coarse-label
 * byte, one fine-label byte and 3,072 pixel bytes, the red, green and blue 32×32 planes; with
 * {@code fine_label_names.txt} and {@code coarse_label_names.txt}), or the Python version ({@code
 * cifar-100-python/}: the pickles {@code train} and {@code test}, dicts with {@code 'data'} uint8
 * {@code [N, 3072]}, {@code 'fine_labels'} and {@code 'coarse_labels'}; and {@code meta} with
 * {@code 'fine_label_names'} and {@code 'coarse_label_names'}). Either may be {@code root} itself or
 * the folder of that name in it. Both files' images are pooled (600 per class), as CIFAR-FS and
 * FC100 use them.
 */
final class Cifar100Files {

    static final int PIXELS = 3 * 32 * 32;
    private static final int RECORD = PIXELS + 2;

    /**
     * All 60,000 images.
     *
     * @param fineNames the 100 class names, by fine label
     * @param coarseNames the 20 superclass names, by coarse label
     * @param pixels {@code N · 3072} bytes, planar per image
     * @param fine each image's fine label
     * @param coarse each image's coarse label
     * @param where the folder, for errors
     */
    record Data(List<String> fineNames, List<String> coarseNames, byte[] pixels, int[] fine, int[] coarse, Path where) {}

    private Cifar100Files() {}

    static final String HINT = "expected CIFAR-100's binary version (train.bin, test.bin, fine_label_names.txt,"
            + " coarse_label_names.txt; cifar-100-binary/) or its Python version (train, test, meta; cifar-100-python/)";

    /**
     * The folder holding a version, or null.
     *
     * @param root the data folder
     * @return the folder
     */
    static Path locate(Path root) {
        for (Path p : List.of(root, root.resolve("cifar-100-binary"), root.resolve("cifar-100-python"))) {
            if (Files.isRegularFile(p.resolve("train.bin")) || Files.isRegularFile(p.resolve("meta"))) {
                return p;
            }
        }
        return null;
    }

    /**
     * Reads a version.
     *
     * @param root the data folder
     * @return the images and labels
     */
    static Data load(Path root) {
        Path folder = locate(root);
        if (folder == null) {
            throw new IllegalArgumentException(root + " holds no CIFAR-100 files; " + HINT);
        }
        return Files.isRegularFile(folder.resolve("train.bin")) ? binary(folder) : python(folder);
    }

    private static Data binary(Path folder) {
        List<String> fineNames = names(folder.resolve("fine_label_names.txt"), 100);
        List<String> coarseNames = names(folder.resolve("coarse_label_names.txt"), 20);
        List<byte[]> files = new ArrayList<>();
        int n = 0;
        for (String f : List.of("train.bin", "test.bin")) {
            Path p = folder.resolve(f);
            byte[] b = ImageClasses.read(p);
            if (b.length == 0 || b.length % RECORD != 0) {
                throw new IllegalArgumentException(p + " has " + b.length + " bytes; expected a multiple of " + RECORD
                        + " (1 coarse-label byte, 1 fine-label byte, 3072 pixel bytes per image): truncated or not CIFAR-100");
            }
            files.add(b);
            n += b.length / RECORD;
        }
        byte[] pixels = new byte[n * PIXELS];
        int[] fine = new int[n];
        int[] coarse = new int[n];
        int at = 0;
        for (int f = 0; f < files.size(); f++) {
            byte[] b = files.get(f);
            for (int r = 0; r < b.length / RECORD; r++, at++) {
                coarse[at] = b[r * RECORD] & 0xff;
                fine[at] = b[r * RECORD + 1] & 0xff;
                if (coarse[at] >= coarseNames.size() || fine[at] >= fineNames.size()) {
                    throw new IllegalArgumentException(folder.resolve(f == 0 ? "train.bin" : "test.bin") + ": record " + r
                            + " has coarse label " + coarse[at] + " and fine label " + fine[at]
                            + "; expected below 20 and 100");
                }
                System.arraycopy(b, r * RECORD + 2, pixels, at * PIXELS, PIXELS);
            }
        }
        return new Data(fineNames, coarseNames, pixels, fine, coarse, folder);
    }

    private static List<String> names(Path file, int count) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " does not exist; " + HINT);
        }
        List<String> names = FewShotImages.lines(new String(ImageClasses.read(file), StandardCharsets.UTF_8));
        if (names.size() != count) {
            throw new IllegalArgumentException(file + " names " + names.size() + " classes; expected " + count);
        }
        return names;
    }

    private static Data python(Path folder) {
        Path metaFile = folder.resolve("meta");
        String metaWhat = "a dict with 'fine_label_names' and 'coarse_label_names'";
        Map<?, ?> meta = NumpyPickles.dict(NumpyPickles.load(metaFile), metaFile, metaWhat);
        List<String> fineNames = NumpyPickles.strings(NumpyPickles.entry(meta, "fine_label_names", metaFile, metaWhat),
                metaFile, "fine_label_names");
        List<String> coarseNames = NumpyPickles.strings(NumpyPickles.entry(meta, "coarse_label_names", metaFile, metaWhat),
                metaFile, "coarse_label_names");
        if (fineNames.size() != 100 || coarseNames.size() != 20) {
            throw new IllegalArgumentException(metaFile + " names " + fineNames.size() + " classes and "
                    + coarseNames.size() + " superclasses; expected 100 and 20");
        }
        List<byte[]> data = new ArrayList<>();
        List<long[]> fines = new ArrayList<>();
        List<long[]> coarses = new ArrayList<>();
        int n = 0;
        for (String f : List.of("train", "test")) {
            Path p = folder.resolve(f);
            String what = "a dict with 'data' (uint8 [N, 3072]), 'fine_labels' and 'coarse_labels'";
            Map<?, ?> m = NumpyPickles.dict(NumpyPickles.load(p), p, what);
            NumpyPickles.NdArray d = NumpyPickles.uint8(NumpyPickles.entry(m, "data", p, what), p, "data", 2);
            long[] fine = NumpyPickles.integers(NumpyPickles.entry(m, "fine_labels", p, what), p, "fine_labels");
            long[] coarse = NumpyPickles.integers(NumpyPickles.entry(m, "coarse_labels", p, what), p, "coarse_labels");
            if (d.shape()[1] != PIXELS || fine.length != d.shape()[0] || coarse.length != d.shape()[0]) {
                throw new IllegalArgumentException(p + ": 'data' is " + d.describe() + " with " + fine.length
                        + " fine and " + coarse.length + " coarse labels; expected [N, 3072] and N of each");
            }
            for (int i = 0; i < fine.length; i++) {
                if (fine[i] < 0 || fine[i] >= 100 || coarse[i] < 0 || coarse[i] >= 20) {
                    throw new IllegalArgumentException(p + ": image " + i + " has fine label " + fine[i]
                            + " and coarse label " + coarse[i] + "; expected below 100 and 20");
                }
            }
            data.add(d.data());
            fines.add(fine);
            coarses.add(coarse);
            n += fine.length;
        }
        byte[] pixels = new byte[n * PIXELS];
        int[] fine = new int[n];
        int[] coarse = new int[n];
        int at = 0;
        for (int f = 0; f < data.size(); f++) {
            System.arraycopy(data.get(f), 0, pixels, at * PIXELS, data.get(f).length);
            for (int i = 0; i < fines.get(f).length; i++) {
                fine[at + i] = (int) fines.get(f)[i];
                coarse[at + i] = (int) coarses.get(f)[i];
            }
            at += fines.get(f).length;
        }
        return new Data(fineNames, coarseNames, pixels, fine, coarse, folder);
    }

    /**
     * The fine classes as a collection's classes, named by fine name, in fine-label order.
     *
     * @param d the data
     * @param side the side to resize to
     * @return one class per fine label
     */
    static List<ImageClasses.Named> classes(Data d, int side) {
        List<List<Long>> starts = new ArrayList<>();
        for (int f = 0; f < d.fineNames().size(); f++) {
            starts.add(new ArrayList<>());
        }
        for (int i = 0; i < d.fine().length; i++) {
            starts.get(d.fine()[i]).add((long) i * PIXELS);
        }
        List<ImageClasses.Named> out = new ArrayList<>();
        for (int f = 0; f < d.fineNames().size(); f++) {
            out.add(new ImageClasses.Named(d.fineNames().get(f), ImageClasses.raw(d.pixels(),
                    starts.get(f).stream().mapToLong(Long::longValue).toArray(), 32, 32, 3, true, side)));
        }
        return out;
    }
}
