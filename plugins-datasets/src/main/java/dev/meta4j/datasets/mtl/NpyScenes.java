package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.api.data.Targets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Scenes stored as MTAN's preprocessed NYUv2 and Cityscapes are: {@code ROOT/{train,val}/<part>/<i>.npy},
 * one file per sample and part ({@code image}, a label map, {@code depth}, {@code normal}), the
 * sample count being the number of files, all channels-last. Shared by {@link NyuV2} and {@link
 * Cityscapes}, which say which parts they have.
 *
 * <p><b>Checked when opened</b>, before any training: both split folders and every part folder
 * exist; every part folder of a split holds the same {@code .npy} files, exactly {@code 0.npy}
 * .. {@code (n-1).npy}; every file's header has the part's shape ({@code [H, W, 3]} images and
 * normals, {@code [H, W]} labels, {@code [H, W, 1]} depth) and a supported dtype, and the file
 * holds exactly that data. <b>Checked when read:</b> labels are integers in {@code [-1,
 * classes)}, other values are finite. Every problem names the file.
 *
 * <p><b>Batches.</b> Inputs {@code [N, 3, H, W]} in the experiment's type, as stored (no
 * scaling, as MTAN's loader). A label part gives {@link Targets} of class indices {@code [N, H,
 * W]} (int64, {@code -1} kept where the pixel is ignored) and a mask {@code [N, H, W]} (1 where
 * the label is a class); depth gives {@code [N, 1, H, W]} with a mask {@code [N, 1, H, W]} (1
 * where the depth is not 0); normals give {@code [N, 3, H, W]} with a mask {@code [N, 1, H, W]}
 * (1 where some component is not 0). Masks are in the experiment's type, computed after any
 * augmentation.
 *
 * <p><b>Augmentation</b> (training draws only, from the generator the algorithm passes): {@code
 * flip} mirrors each sample horizontally with probability 1/2 and negates the x component of
 * its normals; {@code scale-crop-flip} first applies MTAN's {@code RandomScaleCrop} (Jialong Wu,
 * lorenmt/mtan issue 34; the FAMO and Nash-MTL trainers' default): a scale s uniform in {1.0,
 * 1.2, 1.5}, a crop of {@code int(H/s) × int(W/s)} at a uniform position, resized back to {@code
 * H × W}, bilinearly with aligned corners for images and normals, by PyTorch's legacy nearest
 * rule for labels and depth, and depth divided by s. Resized normals are not renormalised, as in
 * the reference. Draw order per sample: scale, row, column, flip. Deviations: our draws come from
 * meta4j's generator, not Python's {@code random} and {@code torch.rand}; interpolation weights
 * are computed as PyTorch computes them (float32), the weighted sums in float64.
 */
final class NpyScenes {

    /** What a part holds. */
    enum Kind {
        /** The input, {@code [H, W, 3]}. */
        IMAGE(3),
        /** A label map, {@code [H, W]}, {@code -1} = ignore. */
        LABEL(0),
        /** Depth, {@code [H, W, 1]}, 0 = invalid. */
        DEPTH(1),
        /** Surface normals, {@code [H, W, 3]}, all-zero = invalid. */
        NORMAL(3);

        final int channels;

        Kind(int channels) {
            this.channels = channels;
        }
    }

    /**
     * One folder of every split.
     *
     * @param folder the folder's name ({@code image}, {@code label_7})
     * @param kind what it holds
     * @param task the task it gives targets for (null for the image)
     */
    record Part(String folder, Kind kind, String task) {}

    /** How training samples are augmented. */
    enum Augmentation {
        /** As stored. */
        NONE,
        /** Horizontal flips. */
        FLIP,
        /** MTAN's random scale-crop, then flips. */
        SCALE_CROP_FLIP;

        static Augmentation parse(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /** The scales of MTAN's {@code RandomScaleCrop}. */
    static final double[] SCALES = {1.0, 1.2, 1.5};

    /** The two folders of the layout. */
    static final String[] SPLIT_FOLDERS = {"train", "val"};

    private final String dataset;
    private final Path root;
    private final List<Part> parts;
    private final int height;
    private final int width;
    private final int classes;
    private final Augmentation augmentation;
    private final Map<Split, Path> folders = new EnumMap<>(Split.class);
    private final Map<Split, int[]> files = new EnumMap<>(Split.class);
    private final BatchBuffer buffer = new BatchBuffer();
    private final double[][] source;

    /**
     * Opens and checks a root.
     *
     * @param dataset the dataset's name, for messages ({@code nyuv2})
     * @param root the folder holding {@code train} and {@code val}
     * @param parts the parts, the image first
     * @param height the rows of every map
     * @param width the columns of every map
     * @param classes the label classes
     * @param augmentation what training draws apply
     * @param validationSize 0: validation is the {@code val} folder (the papers' protocol, where
     *     it is also the test set); otherwise this many samples of {@code train} held out, chosen
     *     by {@code splitSeed}
     * @param splitSeed the seed of the held-out choice
     * @throws IllegalArgumentException for any problem of the layout, naming the folder or file
     */
    NpyScenes(String dataset, Path root, List<Part> parts, int height, int width, int classes,
            Augmentation augmentation, int validationSize, long splitSeed) {
        this.dataset = dataset;
        this.root = root;
        this.parts = List.copyOf(parts);
        this.height = height;
        this.width = width;
        this.classes = classes;
        this.augmentation = augmentation;
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException(dataset + " folder " + root + " does not exist; expected " + layout());
        }
        // Both split folders first: a missing val/ is the problem to report, not train/'s contents.
        for (String split : SPLIT_FOLDERS) {
            if (!Files.isDirectory(root.resolve(split))) {
                throw new IllegalArgumentException(dataset + ": split folder " + root.resolve(split) + " is missing;"
                        + " expected " + layout());
            }
        }
        int[] counts = new int[SPLIT_FOLDERS.length];
        for (int s = 0; s < SPLIT_FOLDERS.length; s++) {
            counts[s] = check(root.resolve(SPLIT_FOLDERS[s]));
        }
        Path train = root.resolve("train");
        Path val = root.resolve("val");
        int n = counts[0];
        if (validationSize >= n) {
            throw new IllegalArgumentException("validation-size = " + validationSize + " leaves no training samples: "
                    + train + " holds " + n);
        }
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        int[] valAll = new int[counts[1]];
        Arrays.setAll(valAll, i -> i);
        folders.put(Split.TRAIN, train);
        folders.put(Split.TEST, val);
        files.put(Split.TEST, valAll);
        if (validationSize == 0) {
            folders.put(Split.VALIDATION, val);
            files.put(Split.VALIDATION, valAll);
            files.put(Split.TRAIN, all);
        } else {
            // A seeded choice of validation-size training samples; both parts keep file order.
            int[] perm = new Rng(splitSeed).split("validation").permutation(n);
            int[] held = Arrays.copyOf(perm, validationSize);
            int[] rest = Arrays.copyOfRange(perm, validationSize, n);
            Arrays.sort(held);
            Arrays.sort(rest);
            folders.put(Split.VALIDATION, train);
            files.put(Split.VALIDATION, held);
            files.put(Split.TRAIN, rest);
        }
        source = new double[parts.size()][];
        for (int p = 0; p < parts.size(); p++) {
            source[p] = new double[height * width * Math.max(1, parts.get(p).kind.channels)];
        }
    }

    private String layout() {
        StringBuilder b = new StringBuilder(root + "/{train,val}/{");
        for (int p = 0; p < parts.size(); p++) {
            b.append(p > 0 ? "," : "").append(parts.get(p).folder);
        }
        return b.append("}/<i>.npy (MTAN's preprocessed layout)").toString();
    }

    /** Checks one split folder; returns its sample count. */
    private int check(Path split) {
        if (!Files.isDirectory(split)) {
            throw new IllegalArgumentException(dataset + ": split folder " + split + " is missing; expected " + layout());
        }
        Map<String, TreeSet<Integer>> listed = new LinkedHashMap<>();
        for (Part part : parts) {
            Path folder = split.resolve(part.folder);
            if (!Files.isDirectory(folder)) {
                throw new IllegalArgumentException(dataset + ": folder " + folder + " is missing; expected " + layout());
            }
            listed.put(part.folder, numbered(folder));
        }
        int n = listed.get(parts.get(0).folder).size();
        boolean same = listed.values().stream().allMatch(s -> s.size() == n);
        if (!same) {
            StringBuilder counts = new StringBuilder();
            listed.forEach((f, s) -> counts.append(counts.length() > 0 ? ", " : "").append(f).append(' ')
                    .append(s.size()));
            throw new IllegalArgumentException(dataset + ": the folders of " + split + " hold different numbers of .npy"
                    + " files (" + counts + "); expected the same count in each, sample i being i.npy in every folder");
        }
        if (n == 0) {
            throw new IllegalArgumentException(dataset + ": " + split.resolve(parts.get(0).folder)
                    + " holds no .npy files; expected " + layout());
        }
        for (Part part : parts) {
            Path folder = split.resolve(part.folder);
            TreeSet<Integer> s = listed.get(part.folder);
            if (s.first() != 0 || s.last() != n - 1) {
                int missing = 0;
                while (s.contains(missing)) {
                    missing++;
                }
                throw new IllegalArgumentException(dataset + ": " + folder + " holds " + n + " .npy files but not 0.npy"
                        + " .. " + (n - 1) + ".npy: " + missing + ".npy is missing (sample i must be i.npy)");
            }
            long[] shape = shape(part);
            for (int i = 0; i < n; i++) {
                NpyFile.Header h = NpyFile.readHeader(folder.resolve(i + ".npy"));
                if (!h.hasShape(shape)) {
                    throw new IllegalArgumentException(h.path() + ": shape " + h.shapeText() + "; expected "
                            + NpyFile.tuple(shape) + " (" + describe(part) + ", channels-last; height and width are"
                            + " the dataset's height and width settings)");
                }
            }
        }
        return n;
    }

    /** The numbers of the {@code <i>.npy} files of a folder; any other {@code .npy} name is an error. */
    private TreeSet<Integer> numbered(Path folder) {
        TreeSet<Integer> s = new TreeSet<>();
        try (Stream<Path> list = Files.list(folder)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                String name = p.getFileName().toString();
                if (!name.endsWith(".npy")) {
                    continue; // MTAN counts *.npy files only
                }
                String stem = name.substring(0, name.length() - 4);
                if (!stem.matches("0|[1-9][0-9]{0,8}")) {
                    throw new IllegalArgumentException(dataset + ": " + p + " is not named <i>.npy with a sample number"
                            + " i; expected " + layout());
                }
                s.add(Integer.parseInt(stem));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder + ": " + e.getMessage(), e);
        }
        return s;
    }

    private long[] shape(Part part) {
        return part.kind == Kind.LABEL ? new long[] {height, width} : new long[] {height, width, part.kind.channels};
    }

    private String describe(Part part) {
        return switch (part.kind) {
            case IMAGE -> "an RGB image";
            case LABEL -> "a label map of " + classes + " classes, -1 = ignore";
            case DEPTH -> "a depth map, 0 = invalid";
            case NORMAL -> "surface normals";
        };
    }

    /**
     * The number of samples of a split.
     *
     * @param split the split
     * @return the count
     */
    int size(Split split) {
        return files.get(split).length;
    }

    /**
     * The file that holds a sample's part, for tests and messages.
     *
     * @param split the split
     * @param index the sample's position in the split
     * @param part the part's index
     * @return the path
     */
    Path file(Split split, int index, int part) {
        return folders.get(split).resolve(parts.get(part).folder).resolve(files.get(split)[index] + ".npy");
    }

    /** Where a sample's output pixels come from: a crop of the stored map, resized, maybe mirrored. */
    record View(int top, int left, int h, int w, double scale, boolean flip) {}

    /**
     * Draws one training sample's view, in the reference's order.
     *
     * @param rng the generator
     * @return the view
     */
    View draw(Rng rng) {
        int top = 0;
        int left = 0;
        int h = height;
        int w = width;
        double s = 1.0;
        if (augmentation == Augmentation.SCALE_CROP_FLIP) {
            s = SCALES[rng.nextInt(SCALES.length)];
            // Python's int(height / sc): the same double division, truncated.
            h = (int) (height / s);
            w = (int) (width / s);
            top = rng.nextInt(height - h + 1);
            left = rng.nextInt(width - w + 1);
        }
        boolean flip = augmentation != Augmentation.NONE && rng.nextDouble() < 0.5;
        return new View(top, left, h, w, s, flip);
    }

    /**
     * A batch.
     *
     * @param split the split
     * @param indices positions in the split
     * @param rng the training draw's generator, or null for the samples as stored
     * @param manager where the arrays are created
     * @param type the floating-point type
     * @return inputs and targets by task name
     */
    MultiTaskBatch batch(Split split, int[] indices, Rng rng, NDManager manager, DataType type) {
        int n = indices.length;
        int size = size(split);
        for (int i : indices) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException("index " + i + " is outside the " + split.key() + " split of "
                        + size + " samples");
            }
        }
        int pixels = height * width;
        int fb = BatchBuffer.bytes(type);
        long total = 0;
        for (Part part : parts) {
            total += regionBytes(part, n, pixels, fb);
        }
        buffer.reserve(total);
        BatchBuffer.Values[] values = new BatchBuffer.Values[parts.size()];
        BatchBuffer.Values[] masks = new BatchBuffer.Values[parts.size()];
        ByteBuffer[] valueRegions = new ByteBuffer[parts.size()];
        ByteBuffer[] maskRegions = new ByteBuffer[parts.size()];
        for (int p = 0; p < parts.size(); p++) {
            Part part = parts.get(p);
            int channels = Math.max(1, part.kind.channels);
            if (part.kind == Kind.LABEL) {
                valueRegions[p] = buffer.region((long) n * pixels * 8);
                values[p] = BatchBuffer.longs(valueRegions[p]);
            } else {
                valueRegions[p] = buffer.region((long) n * pixels * channels * fb);
                values[p] = BatchBuffer.floats(valueRegions[p], type);
            }
            if (part.kind != Kind.IMAGE) {
                maskRegions[p] = buffer.region((long) n * pixels * fb);
                masks[p] = BatchBuffer.floats(maskRegions[p], type);
            }
        }
        View identity = new View(0, 0, height, width, 1.0, false);
        for (int k = 0; k < n; k++) {
            View view = rng == null ? identity : draw(rng);
            for (int p = 0; p < parts.size(); p++) {
                Path path = file(split, indices[k], p);
                NpyFile f = NpyFile.read(path);
                f.copyTo(source[p]);
                validate(path, parts.get(p), source[p]);
                render(parts.get(p), source[p], view, values[p], masks[p], k);
            }
        }
        NDArray inputs = null;
        Map<String, Targets> targets = new LinkedHashMap<>();
        for (int p = 0; p < parts.size(); p++) {
            Part part = parts.get(p);
            int channels = part.kind.channels;
            Shape shape = part.kind == Kind.LABEL ? new Shape(n, height, width) : new Shape(n, channels, height, width);
            NDArray v = BatchBuffer.owned(manager, valueRegions[p], shape,
                    part.kind == Kind.LABEL ? DataType.INT64 : type);
            if (part.kind == Kind.IMAGE) {
                inputs = v;
                continue;
            }
            Shape maskShape = part.kind == Kind.LABEL ? shape : new Shape(n, 1, height, width);
            targets.put(part.task, new Targets(v, BatchBuffer.owned(manager, maskRegions[p], maskShape, type)));
        }
        return new MultiTaskBatch(inputs, targets);
    }

    private static long regionBytes(Part part, int n, int pixels, int fb) {
        int channels = Math.max(1, part.kind.channels);
        long v = part.kind == Kind.LABEL ? (long) n * pixels * 8 : (long) n * pixels * channels * fb;
        long m = part.kind == Kind.IMAGE ? 0 : (long) n * pixels * fb;
        return v + m;
    }

    /** Labels must be classes or -1; every other value must be finite. */
    private void validate(Path path, Part part, double[] src) {
        int channels = Math.max(1, part.kind.channels);
        int count = height * width * channels;
        for (int i = 0; i < count; i++) {
            double v = src[i];
            if (part.kind == Kind.LABEL) {
                if (v != Math.rint(v) || v < -1 || v >= classes) {
                    throw new IllegalArgumentException(path + ": value " + v + " at pixel (" + (i / width) + ", "
                            + (i % width) + ") is not a class; expected -1 (ignore) or an integer in [0, " + classes
                            + ")");
                }
            } else if (!Double.isFinite(v)) {
                int pixel = i / channels;
                throw new IllegalArgumentException(path + ": value " + v + " at pixel (" + (pixel / width) + ", "
                        + (pixel % width) + "), channel " + (i % channels) + " is not finite");
            }
        }
    }

    /** Writes one sample of one part, channels-first, through its view; then its mask. */
    private void render(Part part, double[] src, View view, BatchBuffer.Values out, BatchBuffer.Values mask, int k) {
        int pixels = height * width;
        int channels = Math.max(1, part.kind.channels);
        boolean identity = view.h == height && view.w == width;
        boolean bilinear = part.kind == Kind.IMAGE || part.kind == Kind.NORMAL;
        int[] rows0 = new int[height];
        int[] rows1 = new int[height];
        float[] rowWeights = new float[height];
        int[] cols0 = new int[width];
        int[] cols1 = new int[width];
        float[] colWeights = new float[width];
        if (!identity) {
            if (bilinear) {
                linear(view.h, height, rows0, rows1, rowWeights);
                linear(view.w, width, cols0, cols1, colWeights);
            } else {
                for (int y = 0; y < height; y++) {
                    rows0[y] = nearest(y, view.h, height);
                }
                for (int x = 0; x < width; x++) {
                    cols0[x] = nearest(x, view.w, width);
                }
            }
        }
        double divide = part.kind == Kind.DEPTH ? view.scale : 1.0;
        int base = k * pixels * channels;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int xs = view.flip ? width - 1 - x : x;
                boolean valid = false;
                for (int c = 0; c < channels; c++) {
                    double v;
                    if (identity) {
                        v = src[(y * width + xs) * channels + c];
                    } else if (bilinear) {
                        int r0 = view.top + rows0[y];
                        int r1 = view.top + rows1[y];
                        int c0 = view.left + cols0[xs];
                        int c1 = view.left + cols1[xs];
                        double ly = rowWeights[y];
                        double lx = colWeights[xs];
                        double a = src[(r0 * width + c0) * channels + c];
                        double b = src[(r0 * width + c1) * channels + c];
                        double d = src[(r1 * width + c0) * channels + c];
                        double e = src[(r1 * width + c1) * channels + c];
                        v = (1 - ly) * ((1 - lx) * a + lx * b) + ly * ((1 - lx) * d + lx * e);
                    } else {
                        v = src[((view.top + rows0[y]) * width + view.left + cols0[xs]) * channels + c];
                    }
                    if (part.kind == Kind.NORMAL && c == 0 && view.flip) {
                        v = -v; // a mirrored surface faces the other way along x
                    }
                    v /= divide;
                    valid |= part.kind == Kind.LABEL ? v >= 0 : v != 0;
                    out.set(part.kind == Kind.LABEL ? k * pixels + y * width + x : base + c * pixels + y * width + x, v);
                }
                if (mask != null) {
                    mask.set(k * pixels + y * width + x, valid ? 1 : 0);
                }
            }
        }
    }

    /**
     * PyTorch's legacy {@code nearest} source index ({@code upsample_nearest2d}): {@code
     * min(floor(o * in / out), in - 1)} with the scale and product in float32.
     */
    static int nearest(int o, int in, int out) {
        if (in == out) {
            return o;
        }
        if (out == 2 * in) {
            return o >> 1;
        }
        float scale = (float) in / out;
        float p = o * scale;
        return Math.min((int) Math.floor(p), in - 1);
    }

    /**
     * PyTorch's bilinear source indices and weights with {@code align_corners = True}: source
     * {@code o * (in - 1) / (out - 1)} in float32, the lower index its floor, the upper one the
     * next unless at the edge, the weight of the upper one the fraction.
     */
    static void linear(int in, int out, int[] lower, int[] upper, float[] weight) {
        float scale = out > 1 ? (float) (in - 1) / (out - 1) : 0f;
        for (int o = 0; o < out; o++) {
            float real = scale * o;
            int i0 = (int) real;
            float l1 = Math.min(Math.max(real - i0, 0f), 1f);
            lower[o] = i0;
            upper[o] = i0 + (i0 < in - 1 ? 1 : 0);
            weight[o] = l1;
        }
    }
}
