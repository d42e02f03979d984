package dev.meta4j.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meta4j.api.Split;
import dev.meta4j.api.data.EpisodeShape;
import dev.meta4j.api.data.TaskBatch;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * Tiny fixtures in the exact on-disk layouts of the few-shot image datasets, and the episode check
 * they share. Image {@code i} of global class {@code k} is a solid colour: red {@code (20 + 23k) mod
 * 256}, green {@code (40 + 61k) mod 256}, blue {@code (30 + 50i) mod 256}, so an episode's images can
 * be traced back to their class even through JPEG. Classes are numbered training first, then
 * validation, then test. Other modules' tests reach {@link #miniCsv} through this module's test-jar.
 */
public final class FewShotFixtures {

    private FewShotFixtures() {}

    static int red(int k) {
        return (20 + 23 * k) & 0xff;
    }

    static int green(int k) {
        return (40 + 61 * k) & 0xff;
    }

    static int blue(int i) {
        return (30 + 50 * i) & 0xff;
    }

    static BufferedImage solid(int side, int k, int i) {
        BufferedImage im = new BufferedImage(side, side, BufferedImage.TYPE_3BYTE_BGR);
        int rgb = (red(k) << 16) | (green(k) << 8) | blue(i);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                im.setRGB(x, y, rgb);
            }
        }
        return im;
    }

    static byte[] encode(BufferedImage im, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(im, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** HWC bytes of a solid image. */
    static byte[] solidBytes(int side, int k, int i) {
        byte[] b = new byte[side * side * 3];
        for (int p = 0; p < side * side; p++) {
            b[3 * p] = (byte) red(k);
            b[3 * p + 1] = (byte) green(k);
            b[3 * p + 2] = (byte) blue(i);
        }
        return b;
    }

    static void write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String text) {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    static String wnid(int k) {
        return String.format("n%08d", 1000 + k);
    }

    static final Split[] SPLITS = {Split.TRAIN, Split.VALIDATION, Split.TEST};

    /** The global class numbers of each split for {@code perSplit} classes each. */
    static int first(Split s, int[] perSplit) {
        int k = 0;
        for (Split t : SPLITS) {
            if (t == s) {
                return k;
            }
            k += perSplit[t.ordinal()];
        }
        throw new IllegalStateException();
    }

    // ---- mini-ImageNet ----

    /**
     * Ravi &amp; Larochelle: {train,val,test}.csv + images/*.jpg.
     *
     * @param root the folder to fill
     * @param perSplit classes of the training, validation and test splits
     * @param images images per class
     * @param side the images' side
     */
    public static void miniCsv(Path root, int[] perSplit, int images, int side) {
        for (Split s : SPLITS) {
            StringBuilder csv = new StringBuilder("filename,label\n");
            int k0 = first(s, perSplit);
            for (int k = k0; k < k0 + perSplit[s.ordinal()]; k++) {
                for (int i = 0; i < images; i++) {
                    String name = wnid(k) + String.format("%08d", i + 1) + ".jpg";
                    write(root.resolve("images").resolve(name), encode(solid(side, k, i), "jpg"));
                    csv.append(name).append(',').append(wnid(k)).append('\n');
                }
            }
            write(root.resolve(FewShotImages.SPLIT_FILES.get(s) + ".csv"), csv.toString());
        }
    }

    /** train|val|test/<wnid>/*.{format}. */
    static void classFolders(Path root, int[] perSplit, int images, int side, String format) {
        for (Split s : SPLITS) {
            int k0 = first(s, perSplit);
            for (int k = k0; k < k0 + perSplit[s.ordinal()]; k++) {
                for (int i = 0; i < images; i++) {
                    write(root.resolve(FewShotImages.SPLIT_FILES.get(s)).resolve(wnid(k))
                            .resolve(String.format("%s_%04d.%s", wnid(k), i, format)), encode(solid(side, k, i), format));
                }
            }
        }
    }

    /** learn2learn: mini-imagenet-cache-{train,validation,test}.pkl. */
    static void learn2learnPickles(Path root, int[] perSplit, int images, int side) {
        for (Split s : SPLITS) {
            int k0 = first(s, perSplit);
            int n = perSplit[s.ordinal()];
            byte[] data = new byte[n * images * side * side * 3];
            Map<Object, Object> dict = new LinkedHashMap<>();
            // interleave the classes in the array, and list them in reverse order, so that neither order leaks
            for (int k = k0 + n - 1; k >= k0; k--) {
                List<Object> idx = new ArrayList<>();
                for (int i = 0; i < images; i++) {
                    int at = i * n + (k - k0);
                    System.arraycopy(solidBytes(side, k, i), 0, data, at * side * side * 3, side * side * 3);
                    idx.add(at);
                }
                dict.put(wnid(k), idx);
            }
            Map<Object, Object> top = new LinkedHashMap<>();
            top.put("image_data", PickleWriter.Array.uint8(data, n * images, side, side, 3));
            top.put("class_dict", dict);
            PickleWriter.write(root.resolve(MiniImageNetPickles.FILES.get(s)), top);
        }
    }

    /** MetaOptNet / Gidaris: {'data': [N, H, W, 3], 'labels': [...]} per split. */
    static void metaOptNetPickles(Path root, Map<Split, String> files, int[] perSplit, int images, int side) {
        for (Split s : SPLITS) {
            int k0 = first(s, perSplit);
            int n = perSplit[s.ordinal()];
            byte[] data = new byte[n * images * side * side * 3];
            List<Object> labels = new ArrayList<>();
            int at = 0;
            for (int i = 0; i < images; i++) {
                for (int k = k0; k < k0 + n; k++) {
                    System.arraycopy(solidBytes(side, k, i), 0, data, at++ * side * side * 3, side * side * 3);
                    labels.add(k);
                }
            }
            Map<Object, Object> top = new LinkedHashMap<>();
            top.put("catname2label", Map.of("x", 0));
            top.put("data", PickleWriter.Array.uint8(data, n * images, side, side, 3));
            top.put("labels", labels);
            PickleWriter.write(root.resolve(files.get(s)), top);
        }
    }

    // ---- tiered-ImageNet ----

    /** Ren et al.: {split}_images_png.pkl (cv2.imencode arrays [len, 1]) + {split}_labels.pkl. */
    public static void tieredPickles(Path folder, int[] perSplit, int images, int side) {
        for (Split s : SPLITS) {
            String key = FewShotImages.SPLIT_FILES.get(s);
            int k0 = first(s, perSplit);
            int n = perSplit[s.ordinal()];
            List<Object> pngs = new ArrayList<>();
            byte[] specific = new byte[n * images * 8];
            int at = 0;
            for (int i = 0; i < images; i++) {
                for (int k = k0; k < k0 + n; k++) {
                    byte[] png = encode(solid(side, k, i), "png");
                    pngs.add(PickleWriter.Array.uint8(png, png.length, 1));
                    specific[8 * at] = (byte) (k - k0);
                    at++;
                }
            }
            PickleWriter.write(folder.resolve(key + "_images_png.pkl"), pngs);
            Map<Object, Object> labels = new LinkedHashMap<>();
            labels.put("label_specific", new PickleWriter.Array("i8", new int[] {n * images}, specific));
            labels.put("label_general", new PickleWriter.Array("i8", new int[] {n * images}, new byte[8 * n * images]));
            labels.put("label_specific_str", List.of("a"));
            PickleWriter.write(folder.resolve(key + "_labels.pkl"), labels);
        }
    }

    // ---- CIFAR-100 ----

    /** CIFAR-100's taxonomy as the test resource lists it: fine name -> coarse name, fine names sorted. */
    static Map<String, String> taxonomy() {
        try (InputStream in = FewShotFixtures.class.getResourceAsStream("cifar100-taxonomy.txt")) {
            Map<String, String> out = new java.util.TreeMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.strip().split(" ");
                out.put(f[1], f[0]);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> fineNames() {
        return new ArrayList<>(taxonomy().keySet());
    }

    static List<String> coarseNames() {
        return new ArrayList<>(new java.util.TreeSet<>(taxonomy().values()));
    }

    /** CIFAR-100's planar record pixels of image i of fine class k. */
    static byte[] planar(int k, int i) {
        byte[] hwc = solidBytes(32, k, i);
        byte[] out = new byte[3072];
        for (int p = 0; p < 1024; p++) {
            for (int c = 0; c < 3; c++) {
                out[c * 1024 + p] = hwc[3 * p + c];
            }
        }
        // one marked pixel, so that planar and interleaved orders differ
        out[5] = (byte) 255;
        return out;
    }

    /** cifar-100-binary/: train.bin (images - 1 per class), test.bin (1 per class), label names. */
    public static Path cifarBinary(Path root, int images) {
        Path d = root.resolve("cifar-100-binary");
        List<String> fine = fineNames();
        List<String> coarse = coarseNames();
        Map<String, String> tax = taxonomy();
        ByteArrayOutputStream train = new ByteArrayOutputStream();
        ByteArrayOutputStream test = new ByteArrayOutputStream();
        for (int i = 0; i < images; i++) {
            for (int k = 0; k < 100; k++) {
                ByteArrayOutputStream o = i < images - 1 ? train : test;
                o.write(coarse.indexOf(tax.get(fine.get(k))));
                o.write(k);
                o.writeBytes(planar(k, i));
            }
        }
        write(d.resolve("train.bin"), train.toByteArray());
        write(d.resolve("test.bin"), test.toByteArray());
        write(d.resolve("fine_label_names.txt"), String.join("\n", fine) + "\n");
        write(d.resolve("coarse_label_names.txt"), String.join("\n", coarse) + "\n");
        return d;
    }

    /** cifar-100-python/: train, test, meta as Python 2 pickles. */
    static Path cifarPython(Path root, int images) {
        Path d = root.resolve("cifar-100-python");
        List<String> fine = fineNames();
        List<String> coarse = coarseNames();
        Map<String, String> tax = taxonomy();
        for (String file : List.of("train", "test")) {
            List<Object> f = new ArrayList<>();
            List<Object> c = new ArrayList<>();
            ByteArrayOutputStream px = new ByteArrayOutputStream();
            for (int i = 0; i < images; i++) {
                if ((i < images - 1) != file.equals("train")) {
                    continue;
                }
                for (int k = 0; k < 100; k++) {
                    f.add(k);
                    c.add(coarse.indexOf(tax.get(fine.get(k))));
                    px.writeBytes(planar(k, i));
                }
            }
            Map<Object, Object> m = new LinkedHashMap<>();
            m.put("filenames", List.of());
            m.put("batch_label", "training batch 1 of 1");
            m.put("fine_labels", f);
            m.put("coarse_labels", c);
            m.put("data", PickleWriter.Array.uint8(px.toByteArray(), f.size(), 3072));
            PickleWriter.write(d.resolve(file), m);
        }
        Map<Object, Object> meta = new LinkedHashMap<>();
        meta.put("fine_label_names", new ArrayList<Object>(fine));
        meta.put("coarse_label_names", new ArrayList<Object>(coarse));
        PickleWriter.write(d.resolve("meta"), meta);
        return d;
    }

    /** Bertinetto et al.: data/<class>/*.png (+ splits/bertinetto/*.txt when given). */
    static void cifarFsFolders(Path root, int images, Map<Split, List<String>> splits) {
        List<String> fine = fineNames();
        for (int k = 0; k < 100; k++) {
            for (int i = 0; i < images; i++) {
                write(root.resolve("data").resolve(fine.get(k)).resolve(String.format("%s_s_%06d.png", fine.get(k), i)),
                        encode(solid(32, k, i), "png"));
            }
        }
        if (splits != null) {
            splits.forEach((s, names) -> write(root.resolve("splits/bertinetto/" + FewShotImages.SPLIT_FILES.get(s) + ".txt"),
                    String.join("\n", names) + "\n"));
        }
    }

    // ---- checks ----

    /**
     * The global class of a solid fixture image, [C, H, W] floats, by its mean red and green.
     *
     * @param img the image
     * @param classes how many global classes there are
     * @return the class
     */
    static int classOf(float[] img, int classes) {
        int plane = img.length / 3;
        double r = 0;
        double g = 0;
        for (int p = 0; p < plane; p++) {
            r += img[p] * 255;
            g += img[plane + p] * 255;
        }
        r /= plane;
        g /= plane;
        int best = -1;
        double bestD = Double.MAX_VALUE;
        for (int k = 0; k < classes; k++) {
            double d = Math.abs(r - red(k)) + Math.abs(g - green(k));
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        assertTrue(bestD < 12, "image colour " + r + ", " + g + " is a fixture class's");
        return best;
    }

    /**
     * Checks a batch: shapes, class-major labels, one class per label, distinct classes, all in
     * the split.
     *
     * @param b the batch
     * @param shape the split's episode shape
     * @param tasks the number of episodes
     * @param side the image side
     * @param splitClasses the global classes of the split
     * @param classes the number of global classes
     */
    static void check(TaskBatch b, EpisodeShape shape, int tasks, int side, Set<Integer> splitClasses, int classes) {
        int ways = shape.ways();
        assertEquals(new ai.djl.ndarray.types.Shape(tasks, (long) ways * shape.shots(), 3, side, side),
                b.supportInputs().getShape());
        assertEquals(new ai.djl.ndarray.types.Shape(tasks, (long) ways * shape.queries(), 3, side, side),
                b.queryInputs().getShape());
        int size = 3 * side * side;
        for (int t = 0; t < tasks; t++) {
            float[] sx = b.supportInputs().get(t).toFloatArray();
            float[] qx = b.queryInputs().get(t).toFloatArray();
            long[] sy = b.supportTargets().get(t).toLongArray();
            long[] qy = b.queryTargets().get(t).toLongArray();
            int[] classOfLabel = new int[ways];
            java.util.Arrays.fill(classOfLabel, -1);
            for (int n = 0; n < sy.length + qy.length; n++) {
                boolean support = n < sy.length;
                int idx = support ? n : n - sy.length;
                int label = (int) (support ? sy[idx] : qy[idx]);
                assertEquals(support ? idx / shape.shots() : idx / shape.queries(), label, "class-major labels");
                float[] img = java.util.Arrays.copyOfRange(support ? sx : qx, idx * size, idx * size + size);
                int k = classOf(img, classes);
                assertTrue(splitClasses.contains(k), "class " + k + " belongs to the split " + splitClasses);
                if (classOfLabel[label] < 0) {
                    classOfLabel[label] = k;
                }
                assertEquals(classOfLabel[label], k, "one class per label");
            }
            Set<Integer> distinct = new HashSet<>();
            for (int k : classOfLabel) {
                distinct.add(k);
            }
            assertEquals(ways, distinct.size(), "distinct classes");
        }
    }

    /** The global classes of a split when each split has {@code perSplit} classes. */
    static Set<Integer> splitClasses(Split s, int[] perSplit) {
        Set<Integer> out = new HashSet<>();
        int k0 = first(s, perSplit);
        for (int k = k0; k < k0 + perSplit[s.ordinal()]; k++) {
            out.add(k);
        }
        return out;
    }
}
