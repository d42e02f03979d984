package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.DatasetFactory;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.api.data.MultiTaskDataset;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * CelebA (Liu et al. 2015), the aligned and cropped faces, with one binary task per attribute (40
 * in the official files), as the FAMO repository reads it.
 *
 * <p><b>Files.</b> {@code ROOT/Img/img_align_celeba/<name>.jpg}; {@code
 * ROOT/Anno/list_attr_celeba.txt}: a line with the image count, a line with the attribute names,
 * then one line per image, its file name and one value per attribute, {@code 1} or {@code -1};
 * {@code ROOT/Eval/list_eval_partition.txt}: one line per image, its file name and {@code 0}
 * (train), {@code 1} (validation) or {@code 2} (test). Both lists name the same images in the
 * same order (the FAMO loader asserts it). Every file and line is checked when the dataset opens
 * (each listed image must exist); a JPEG that does not decode is reported, by name, when read.
 *
 * <p><b>Batches.</b> Inputs {@code [N, 3, S, S]} with {@code S = image-size} (64), pixel / 255 in
 * [0, 1], no normalisation, as the FAMO loader's {@code Resize((64, 64))} and {@code ToTensor()};
 * the 178×218 images are squeezed to a square, not cropped. Targets of each attribute {@code [N,
 * 1]}: 1 where the file says 1, 0 where it says -1. Tasks are named after the attributes.
 *
 * <p><b>Deviations.</b> The resize is Pillow's {@code BILINEAR} to the byte ({@link
 * PillowResize}, checked against Pillow's output). The JPEG decoder is the JDK's ({@code
 * javax.imageio}, IJG libjpeg 6b), not Pillow's libjpeg-turbo; on a Pillow-written 4:2:0 JPEG the
 * two gave identical pixels ({@code CelebATest}, OpenJDK 17 and Pillow 9.4), which other JPEG
 * encodings or decoders need not. Grayscale images are expanded to RGB by replicating the gray
 * value, as Pillow's {@code convert('RGB')}. The loader's order of work (decode, resize, scale)
 * is the reference's; it draws nothing at random.
 */
public final class CelebA implements MultiTaskDataset {

    private final Path imageFolder;
    private final int size;
    private final DataType dataType;
    private final DataSpec spec;
    private final java.util.Optional<dev.meta4j.api.data.SingleTaskBaselines> baselines;
    private final List<String> attributes;
    private final Map<Split, List<String>> names = new EnumMap<>(Split.class);
    private final Map<Split, List<byte[]>> labels = new EnumMap<>(Split.class);
    private final BatchBuffer buffer = new BatchBuffer();

    CelebA(Config c, DataType dataType) {
        this.dataType = dataType;
        this.size = c.getInt("image-size");
        Path root = Dense.root(c, "celeba", "the folder holding Img/img_align_celeba, Anno/list_attr_celeba.txt and"
                + " Eval/list_eval_partition.txt");
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("celeba folder " + root + " does not exist; expected " + layout(root));
        }
        this.imageFolder = root.resolve("Img").resolve("img_align_celeba");
        Path attrFile = root.resolve("Anno").resolve("list_attr_celeba.txt");
        Path partitionFile = root.resolve("Eval").resolve("list_eval_partition.txt");
        for (Path p : List.of(attrFile, partitionFile)) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("celeba: " + p + " is missing; expected " + layout(root));
            }
        }
        if (!Files.isDirectory(imageFolder)) {
            throw new IllegalArgumentException("celeba: image folder " + imageFolder + " is missing; expected "
                    + layout(root));
        }
        Attributes a = readAttributes(attrFile);
        this.attributes = a.names;
        int[] partition = readPartition(partitionFile, a.images, attrFile);
        for (Split s : Split.values()) {
            names.put(s, new ArrayList<>());
            labels.put(s, new ArrayList<>());
        }
        Split[] bySplit = {Split.TRAIN, Split.VALIDATION, Split.TEST};
        for (int i = 0; i < a.images.size(); i++) {
            String name = a.images.get(i);
            if (!Files.isRegularFile(imageFolder.resolve(name))) {
                throw new IllegalArgumentException("celeba: " + imageFolder.resolve(name) + " is missing; "
                        + attrFile + " lists it on line " + (i + 3));
            }
            names.get(bySplit[partition[i]]).add(name);
            labels.get(bySplit[partition[i]]).add(a.values.get(i));
        }
        List<Task> tasks = new ArrayList<>();
        for (String name : attributes) {
            tasks.add(new BinaryTask(name));
        }
        this.spec = new DataSpec(new long[] {3, size, size}, tasks);
        // The papers' values are of 64x64 faces; attributes the file names otherwise have none.
        this.baselines = BaselineFile.forDataset(c, size == 64 ? "celeba" : null, spec);
    }

    private static String layout(Path root) {
        return root + "/Img/img_align_celeba/*.jpg, " + root + "/Anno/list_attr_celeba.txt and " + root
                + "/Eval/list_eval_partition.txt (the official CelebA files)";
    }

    /** The attribute file's contents. */
    private record Attributes(List<String> names, List<String> images, List<byte[]> values) {}

    private static Attributes readAttributes(Path file) {
        List<String> lines = lines(file);
        if (lines.size() < 2) {
            throw new IllegalArgumentException(file + ": " + lines.size() + " line(s); expected the image count, the"
                    + " attribute names, then one line per image");
        }
        int count;
        try {
            count = Integer.parseInt(lines.get(0).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ":1: '" + clip(lines.get(0)) + "' is not the image count", e);
        }
        List<String> names = List.of(lines.get(1).strip().split("\\s+"));
        if (lines.get(1).isBlank()) {
            throw new IllegalArgumentException(file + ":2: no attribute names");
        }
        Set<String> seen = new HashSet<>();
        for (String n : names) {
            if (!seen.add(n) || n.contains("/")) {
                throw new IllegalArgumentException(file + ":2: attribute name '" + n + "' is "
                        + (n.contains("/") ? "not usable as a task name (it contains '/')" : "given twice"));
            }
        }
        int k = names.size();
        List<String> images = new ArrayList<>(count);
        List<byte[]> values = new ArrayList<>(count);
        Set<String> imageNames = new HashSet<>();
        for (int i = 2; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                if (i >= lines.size() - 1) {
                    continue; // a trailing empty line
                }
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": empty line; expected an image name and "
                        + k + " values of 1 or -1");
            }
            String[] t = line.strip().split("\\s+");
            if (t.length != k + 1) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + t.length + " fields in '" + clip(line)
                        + "'; expected an image name and " + k + " values of 1 or -1 (one per attribute on line 2)");
            }
            byte[] v = new byte[k];
            for (int j = 0; j < k; j++) {
                switch (t[j + 1]) {
                    case "1" -> v[j] = 1;
                    case "-1" -> v[j] = 0;
                    default -> throw new IllegalArgumentException(file + ":" + (i + 1) + ": value '" + t[j + 1]
                            + "' of attribute " + names.get(j) + " for " + t[0] + "; expected 1 or -1");
                }
            }
            if (!imageNames.add(t[0])) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": image " + t[0] + " is listed twice");
            }
            images.add(t[0]);
            values.add(v);
        }
        if (images.size() != count) {
            throw new IllegalArgumentException(file + ": line 1 announces " + count + " images but " + images.size()
                    + " follow");
        }
        return new Attributes(names, images, values);
    }

    /** The split of each image, in the attribute file's order. */
    private static int[] readPartition(Path file, List<String> images, Path attrFile) {
        List<String> lines = lines(file);
        int[] split = new int[images.size()];
        int at = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() && i == lines.size() - 1) {
                continue;
            }
            String[] t = line.strip().split("\\s+");
            if (t.length != 2 || !(t[1].equals("0") || t[1].equals("1") || t[1].equals("2"))) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": '" + clip(line) + "'; expected an image"
                        + " name and its split, 0 (train), 1 (validation) or 2 (test)");
            }
            if (at >= images.size() || !t[0].equals(images.get(at))) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": image " + t[0] + " where " + attrFile
                        + " has " + (at < images.size() ? images.get(at) : "no more images") + "; expected both files"
                        + " to list the same images in the same order");
            }
            split[at++] = t[1].charAt(0) - '0';
        }
        if (at != images.size()) {
            throw new IllegalArgumentException(file + " lists " + at + " images; " + attrFile + " lists "
                    + images.size() + "; expected the same images in the same order");
        }
        return split;
    }

    private static List<String> lines(Path file) {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return lines;
    }

    private static String clip(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    @Override
    public DataSpec spec() {
        return spec;
    }

    @Override
    public int size(Split split) {
        return names.get(split).size();
    }

    /**
     * The image file of an example, for tests and messages.
     *
     * @param split the split
     * @param index the position
     * @return the path
     */
    Path file(Split split, int index) {
        return imageFolder.resolve(names.get(split).get(index));
    }

    @Override
    public MultiTaskBatch batch(Split split, int[] indices, NDManager manager) {
        int n = indices.length;
        List<String> list = names.get(split);
        for (int i : indices) {
            if (i < 0 || i >= list.size()) {
                throw new IndexOutOfBoundsException("index " + i + " is outside the " + split.key() + " split of "
                        + list.size() + " images");
            }
        }
        int fb = BatchBuffer.bytes(dataType);
        int k = attributes.size();
        int pixels = size * size;
        buffer.reserve((long) n * 3 * pixels * fb + (long) k * n * fb);
        ByteBuffer inputRegion = buffer.region((long) n * 3 * pixels * fb);
        BatchBuffer.Values inputs = BatchBuffer.floats(inputRegion, dataType);
        ByteBuffer[] targetRegions = new ByteBuffer[k];
        BatchBuffer.Values[] targets = new BatchBuffer.Values[k];
        for (int j = 0; j < k; j++) {
            targetRegions[j] = buffer.region((long) n * fb);
            targets[j] = BatchBuffer.floats(targetRegions[j], dataType);
        }
        for (int e = 0; e < n; e++) {
            Path file = file(split, indices[e]);
            int[] rgb = resized(file, size);
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < pixels; p++) {
                    inputs.set((e * 3 + c) * pixels + p, rgb[p * 3 + c] / 255.0);
                }
            }
            byte[] v = labels.get(split).get(indices[e]);
            for (int j = 0; j < k; j++) {
                targets[j].set(e, v[j]);
            }
        }
        NDArray x = BatchBuffer.owned(manager, inputRegion, new Shape(n, 3, size, size), dataType);
        Map<String, Targets> t = new LinkedHashMap<>();
        for (int j = 0; j < k; j++) {
            t.put(attributes.get(j), Targets.of(BatchBuffer.owned(manager, targetRegions[j], new Shape(n, 1), dataType)));
        }
        return new MultiTaskBatch(x, t);
    }

    /**
     * Decodes an image to RGB and resizes it as Pillow's {@code BILINEAR} does.
     *
     * @param file a JPEG (or any format {@code javax.imageio} reads)
     * @param size the output's side
     * @return {@code size * size * 3} values in 0..255, row-major, RGB
     * @throws IllegalArgumentException naming the file if it does not decode
     */
    static int[] resized(Path file, int size) {
        int[][] decoded = decode(file);
        int w = decoded[1][0];
        int h = decoded[1][1];
        return PillowResize.bilinear(decoded[0], w, h, 3, size, size);
    }

    /**
     * Decodes an image to interleaved RGB.
     *
     * @param file the image
     * @return {@code {pixels, {width, height}}}
     */
    static int[][] decode(Path file) {
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not a readable image (" + e.getMessage() + "); expected a JPEG",
                    e);
        }
        if (image == null) {
            throw new IllegalArgumentException(file + ": not an image format this JVM reads; expected a JPEG");
        }
        int w = image.getWidth();
        int h = image.getHeight();
        int[] rgb = new int[w * h * 3];
        Raster raster = image.getRaster();
        int bands = raster.getNumBands();
        boolean plain = image.getType() == BufferedImage.TYPE_3BYTE_BGR || image.getType() == BufferedImage.TYPE_BYTE_GRAY;
        if (plain) {
            // The decoder's own samples: gray replicated, RGB as decoded (no colour-space conversion).
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        rgb[(y * w + x) * 3 + c] = row[x * bands + (bands == 1 ? 0 : c)];
                    }
                }
            }
        } else {
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < w * h; i++) {
                rgb[i * 3] = (argb[i] >> 16) & 0xff;
                rgb[i * 3 + 1] = (argb[i] >> 8) & 0xff;
                rgb[i * 3 + 2] = argb[i] & 0xff;
            }
        }
        return new int[][] {rgb, {w, h}};
    }

    /**
     * The attribute names, in the file's order.
     *
     * @return the names
     */
    List<String> attributes() {
        return attributes;
    }

    @Override
    public java.util.Optional<dev.meta4j.api.data.SingleTaskBaselines> singleTaskBaselines() {
        return baselines;
    }

    /** Registers {@code celeba}. */
    @AutoService(DatasetFactory.class)
    public static final class Factory implements DatasetFactory {
        @Override
        public String name() {
            return "celeba";
        }

        @Override
        public String summary() {
            return "CelebA aligned faces resized to 64x64 (Pillow bilinear), one binary task per attribute (40)";
        }

        @Override
        public Dataset create(PluginContext ctx) {
            return new CelebA(ctx.config(), ctx.dataType());
        }
    }
}
