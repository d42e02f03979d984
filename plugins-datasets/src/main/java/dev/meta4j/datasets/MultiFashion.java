package dev.meta4j.datasets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.DatasetFactory;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.api.data.MultiTaskDataset;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.Targets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Multi-Fashion: two Fashion-MNIST items on one 36×36 canvas, built the way MultiMNIST is (Sabour
 * et al. 2017; Sener &amp; Koltun 2018), with two 10-class tasks: the item at the top left
 * ({@code left}) and the one at the bottom right ({@code right}).
 *
 * <p>Canvas {@code k} of a split overlays image {@code a} at offset (0, 0) and its partner {@code
 * b} at offset (8, 8), pixel-wise by max: {@code canvas[y][x] = max(a[y][x], b[y-8][x-8])}, each
 * term taken only where it lies inside its 28×28 image and zero elsewhere. Every image of a split
 * is the left item of exactly one canvas; its partner is drawn uniformly from the other images
 * of the same split, so held-out images never appear in training canvases.
 *
 * <p>Everything is fixed by {@code pair-seed}, not by the experiment's seed, so every method and
 * every run sees the same dataset. The images stay in memory as bytes (47 MB for the training
 * file); canvases are composed in Java for each batch.
 *
 * <p>Splits: {@link Split#VALIDATION} is {@code validation-size} images of the training file
 * chosen by a permutation seeded from {@code pair-seed}, {@link Split#TRAIN} the rest (in file
 * order, optionally capped by {@code train-size}), {@link Split#TEST} the t10k file (optionally
 * capped by {@code test-size}). Inputs are pixel / 255 in [0, 1]; with {@code normalization =
 * standard} they are then shifted and scaled by the mean and standard deviation of all pixels of
 * all training canvases.
 */
public final class MultiFashion implements MultiTaskDataset {

    /** Side of a Fashion-MNIST image. */
    static final int ITEM = FashionMnistFiles.SIDE;
    /** Offset of the right item, in both directions. */
    static final int OFFSET = 8;
    /** Side of a canvas. */
    static final int CANVAS = ITEM + OFFSET;
    /** Classes per task. */
    static final int CLASSES = FashionMnistFiles.CLASSES;

    private static final DataSpec SPEC = new DataSpec(new long[] {1, CANVAS, CANVAS}, List.of(
            new ClassificationTask("left", CLASSES),
            new ClassificationTask("right", CLASSES)));

    private final FashionMnistFiles.Source train;
    private final FashionMnistFiles.Source test;
    private final Map<Split, Pairs> pairs = new EnumMap<>(Split.class);
    private final DataType dataType;
    private final double mean;
    private final double std;

    /** The canvases of a split: image indices into the split's source. */
    private record Pairs(FashionMnistFiles.Source source, int[] left, int[] right) {}

    MultiFashion(Config c, DataType dataType) {
        this.dataType = dataType;
        Path root = Path.of(c.getString("root"));
        long pairSeed = c.getLong("pair-seed");
        int validationSize = c.getInt("validation-size");
        int trainCap = c.getInt("train-size");
        int testCap = c.getInt("test-size");
        if (validationSize < 0 || trainCap < 0 || testCap < 0) {
            throw new IllegalArgumentException("validation-size, train-size and test-size must not be negative");
        }
        this.train = FashionMnistFiles.load(root, "train");
        this.test = FashionMnistFiles.load(root, "t10k");

        int n = train.count();
        if (validationSize >= n) {
            throw new IllegalArgumentException("validation-size = " + validationSize + " leaves no training images: the"
                    + " training file in " + root + " has " + n);
        }
        // Hold-out: a seeded choice of validation-size images; both parts keep file order.
        int[] perm = new Rng(pairSeed).split("validation").permutation(n);
        int[] validation = perm.clone();
        Arrays.sort(validation, 0, validationSize);
        validation = Arrays.copyOf(validation, validationSize);
        int[] rest = Arrays.copyOfRange(perm, validationSize, n);
        Arrays.sort(rest);
        if (trainCap > 0 && trainCap < rest.length) {
            rest = Arrays.copyOf(rest, trainCap);
        }
        int[] testImages = new int[testCap > 0 ? Math.min(testCap, test.count()) : test.count()];
        Arrays.setAll(testImages, i -> i);

        pairs.put(Split.TRAIN, pair(train, rest, pairSeed, Split.TRAIN));
        pairs.put(Split.VALIDATION, pair(train, validation, pairSeed, Split.VALIDATION));
        pairs.put(Split.TEST, pair(test, testImages, pairSeed, Split.TEST));

        if (c.getString("normalization").equals("standard")) {
            double[] moments = moments(pairs.get(Split.TRAIN));
            this.mean = moments[0];
            this.std = moments[1];
        } else {
            this.mean = 0;
            this.std = 1;
        }
    }

    /** Each image of the split is a left item once; its partner is another image of the split. */
    private static Pairs pair(FashionMnistFiles.Source source, int[] images, long pairSeed, Split split) {
        Rng rng = new Rng(pairSeed).split("pairs." + split.key());
        int n = images.length;
        int[] right = new int[n];
        for (int k = 0; k < n; k++) {
            int p = k;
            if (n > 1) {
                p = rng.nextInt(n - 1);
                if (p >= k) {
                    p++;
                }
            }
            right[k] = images[p];
        }
        return new Pairs(source, images.clone(), right);
    }

    /** The mean and standard deviation of all pixels of all canvases, in [0, 1] units. */
    private static double[] moments(Pairs p) {
        int[] canvas = new int[CANVAS * CANVAS];
        long[] histogram = new long[256];
        for (int k = 0; k < p.left.length; k++) {
            compose(p.source.images(), p.left[k], p.right[k], canvas);
            for (int v : canvas) {
                histogram[v]++;
            }
        }
        double count = 0;
        double sum = 0;
        for (int v = 0; v < 256; v++) {
            count += histogram[v];
            sum += histogram[v] * (v / 255.0);
        }
        double mean = sum / count;
        double var = 0;
        for (int v = 0; v < 256; v++) {
            double d = v / 255.0 - mean;
            var += histogram[v] * d * d;
        }
        double std = Math.sqrt(var / count);
        return new double[] {mean, std > 0 ? std : 1};
    }

    /**
     * Writes one canvas: image {@code a} at (0, 0) and {@code b} at (8, 8), combined by max.
     *
     * @param images the source's images, 784 bytes each
     * @param a the left item's index
     * @param b the right item's index
     * @param canvas 36 × 36 values in 0..255, overwritten
     */
    static void compose(byte[] images, int a, int b, int[] canvas) {
        Arrays.fill(canvas, 0);
        int pa = a * ITEM * ITEM;
        int pb = b * ITEM * ITEM;
        for (int y = 0; y < ITEM; y++) {
            int row = y * CANVAS;
            for (int x = 0; x < ITEM; x++) {
                canvas[row + x] = images[pa + y * ITEM + x] & 0xff;
            }
        }
        for (int y = 0; y < ITEM; y++) {
            int row = (y + OFFSET) * CANVAS + OFFSET;
            for (int x = 0; x < ITEM; x++) {
                int v = images[pb + y * ITEM + x] & 0xff;
                if (v > canvas[row + x]) {
                    canvas[row + x] = v;
                }
            }
        }
    }

    @Override
    public DataSpec spec() {
        return SPEC;
    }

    @Override
    public int size(Split split) {
        return pairs.get(split).left.length;
    }

    @Override
    public MultiTaskBatch batch(Split split, int[] indices, NDManager manager) {
        Pairs p = pairs.get(split);
        int n = indices.length;
        int pixels = CANVAS * CANVAS;
        long[] leftLabels = new long[n];
        long[] rightLabels = new long[n];
        int[] canvas = new int[pixels];
        boolean wide = dataType == DataType.FLOAT64;
        double[] lut = new double[256];
        for (int v = 0; v < 256; v++) {
            lut[v] = (v / 255.0 - mean) / std;
        }
        double[] d = wide ? new double[n * pixels] : null;
        float[] f = wide ? null : new float[n * pixels];
        for (int k = 0; k < n; k++) {
            int i = indices[k];
            if (i < 0 || i >= p.left.length) {
                throw new IndexOutOfBoundsException("index " + i + " is outside the " + split.key() + " split of "
                        + p.left.length + " examples");
            }
            compose(p.source.images(), p.left[i], p.right[i], canvas);
            int base = k * pixels;
            if (wide) {
                for (int j = 0; j < pixels; j++) {
                    d[base + j] = lut[canvas[j]];
                }
            } else {
                for (int j = 0; j < pixels; j++) {
                    f[base + j] = (float) lut[canvas[j]];
                }
            }
            leftLabels[k] = p.source.labels()[p.left[i]];
            rightLabels[k] = p.source.labels()[p.right[i]];
        }
        Shape shape = new Shape(n, 1, CANVAS, CANVAS);
        NDArray inputs = wide ? manager.create(d, shape) : manager.create(f, shape);
        if (!wide && dataType != DataType.FLOAT32) {
            inputs = inputs.toType(dataType, false);
        }
        java.util.Map<String, Targets> targets = new java.util.LinkedHashMap<>();
        targets.put("left", Targets.of(manager.create(leftLabels, new Shape(n))));
        targets.put("right", Targets.of(manager.create(rightLabels, new Shape(n))));
        return new MultiTaskBatch(inputs, targets);
    }

    /**
     * The source images of a split's canvas, for tests: indices into the IDX file the split was
     * built from (the training file for train and validation, the t10k file for test).
     *
     * @param split the split
     * @param index the canvas
     * @return {@code {left, right}}
     */
    int[] items(Split split, int index) {
        Pairs p = pairs.get(split);
        return new int[] {p.left[index], p.right[index]};
    }

    /**
     * The mean subtracted from inputs (0 unless normalised).
     *
     * @return the mean, in [0, 1] units
     */
    double mean() {
        return mean;
    }

    /**
     * The standard deviation inputs are divided by (1 unless normalised).
     *
     * @return the standard deviation, in [0, 1] units
     */
    double std() {
        return std;
    }

    /** Registers {@code multi-fashion}. */
    @AutoService(DatasetFactory.class)
    public static final class Factory implements DatasetFactory {
        @Override
        public String name() {
            return "multi-fashion";
        }

        @Override
        public String summary() {
            return "two Fashion-MNIST items on a 36x36 canvas (MultiMNIST-style), tasks left and right, 10 classes each";
        }

        @Override
        public Dataset create(PluginContext ctx) {
            return new MultiFashion(ctx.config(), ctx.dataType());
        }
    }
}
