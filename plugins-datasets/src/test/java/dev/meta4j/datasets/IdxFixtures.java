package dev.meta4j.datasets;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files and Fashion-MNIST-shaped folders for tests, plain or gzipped. */
public final class IdxFixtures {

    private IdxFixtures() {}

    /** The contents of a fixture folder, kept for the checks. */
    public record Fashion(Path root, byte[] trainImages, byte[] trainLabels, byte[] testImages, byte[] testLabels) {
        int trainCount() {
            return trainLabels.length;
        }

        int testCount() {
            return testLabels.length;
        }

        /** Pixel (y, x) of training-file image i, 0..255. */
        int trainPixel(int i, int y, int x) {
            return trainImages[i * 784 + y * 28 + x] & 0xff;
        }

        /** Pixel (y, x) of test-file image i, 0..255. */
        int testPixel(int i, int y, int x) {
            return testImages[i * 784 + y * 28 + x] & 0xff;
        }
    }

    /** Header (magic {@code 00 00 08 D}, sizes) followed by the data. */
    static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(0x0800 | dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    /** Writes bytes as they are, or gzipped. */
    static Path write(Path path, byte[] bytes, boolean gz) {
        try (OutputStream out = Files.newOutputStream(path)) {
            out.write(gz ? gzip(bytes) : bytes);
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(b)) {
            g.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    static byte[] labels(Random r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(10);
        }
        return b;
    }

    /**
     * A Fashion-MNIST folder with random 28×28 images (unique with overwhelming probability)
     * and random labels in [0, 10).
     */
    public static Fashion fashion(Path root, int train, int test, boolean gz, long seed) {
        Random r = new Random(seed);
        byte[] trainImages = random(r, train * 784);
        byte[] trainLabels = labels(r, train);
        byte[] testImages = random(r, test * 784);
        byte[] testLabels = labels(r, test);
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String ext = gz ? ".gz" : "";
        write(root.resolve("train-images-idx3-ubyte" + ext), idx(new int[] {train, 28, 28}, trainImages), gz);
        write(root.resolve("train-labels-idx1-ubyte" + ext), idx(new int[] {train}, trainLabels), gz);
        write(root.resolve("t10k-images-idx3-ubyte" + ext), idx(new int[] {test, 28, 28}, testImages), gz);
        write(root.resolve("t10k-labels-idx1-ubyte" + ext), idx(new int[] {test}, testLabels), gz);
        return new Fashion(root, trainImages, trainLabels, testImages, testLabels);
    }

    /**
     * A Fashion-MNIST folder that a model can learn from: image {@code i} of class {@code c} is
     * noise with a bright bar on rows {@code 2c .. 2c+1}, so the class is visible in the pixels.
     *
     * @param root the folder to write
     * @param train training-file images
     * @param test test-file images
     * @param seed the generator's seed
     * @return what was written
     */
    public static Fashion learnable(Path root, int train, int test, long seed) {
        Random r = new Random(seed);
        byte[] trainLabels = labels(r, train);
        byte[] testLabels = labels(r, test);
        byte[] trainImages = bars(r, trainLabels);
        byte[] testImages = bars(r, testLabels);
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        write(root.resolve("train-images-idx3-ubyte.gz"), idx(new int[] {train, 28, 28}, trainImages), true);
        write(root.resolve("train-labels-idx1-ubyte.gz"), idx(new int[] {train}, trainLabels), true);
        write(root.resolve("t10k-images-idx3-ubyte.gz"), idx(new int[] {test, 28, 28}, testImages), true);
        write(root.resolve("t10k-labels-idx1-ubyte.gz"), idx(new int[] {test}, testLabels), true);
        return new Fashion(root, trainImages, trainLabels, testImages, testLabels);
    }

    private static byte[] bars(Random r, byte[] labels) {
        byte[] img = new byte[labels.length * 784];
        for (int i = 0; i < labels.length; i++) {
            int row = 2 * labels[i] + 4;
            for (int p = 0; p < 784; p++) {
                int y = p / 28;
                int v = (y == row || y == row + 1) ? 160 + r.nextInt(96) : r.nextInt(90);
                img[i * 784 + p] = (byte) v;
            }
        }
        return img;
    }
}
