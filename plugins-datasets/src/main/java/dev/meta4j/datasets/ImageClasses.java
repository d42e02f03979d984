package dev.meta4j.datasets;

import dev.meta4j.api.Rng;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The collection behind every few-shot image dataset: named classes of 8-bit images at one square
 * size, decoded on first use through a bounded {@link ImageCache}, optionally extended by
 * 90° rotations as new classes, optionally inverted, optionally augmented in training episodes.
 *
 * <p>Class {@code rotations · b + r} is base class {@code b} rotated counter-clockwise by {@code r
 * · 90°} ({@code numpy.rot90(image, r)}); with one rotation, class {@code b} is base class
 * {@code b}. Pixels become floats as torchvision's {@code ToTensor} makes them, {@code v / 255}, or
 * {@code 1 - v / 255} when inverted (learn2learn's Omniglot). Augmentation runs on the 8-bit image,
 * after the rotation, before the conversion.
 */
final class ImageClasses implements EpisodicImages.Classes {

    /** The images of one class. */
    interface Images {
        /** @return how many */
        int size();

        /**
         * An image's pixels at the collection's size.
         *
         * @param i the image
         * @return {@code side · side · channels} bytes, row-major, channels interleaved
         */
        byte[] pixels(int i);

        /** @return whether {@link #pixels} decodes a file, so that the cache should keep its result */
        boolean decodes();
    }

    /**
     * A class.
     *
     * @param name its name in the dataset (a folder, a wnid, {@code Alphabet/character07})
     * @param images its images
     */
    record Named(String name, Images images) {}

    private final List<Named> classes;
    private final int side;
    private final int channels;
    private final int rotations;
    private final boolean invert;
    private final ImageCache cache;
    private final Lee19Augmentation augmentation;
    private final int pixels;

    /**
     * A collection.
     *
     * @param classes the base classes
     * @param side the images' side
     * @param channels 1 or 3
     * @param rotations 1, or 4 for every base class under 0°, 90°, 180° and 270°
     * @param invert whether a pixel becomes {@code 1 - v / 255} rather than {@code v / 255}
     * @param cache the decoded-image cache
     * @param augmentation the training augmentation, or null
     */
    ImageClasses(List<Named> classes, int side, int channels, int rotations, boolean invert, ImageCache cache,
            Lee19Augmentation augmentation) {
        this.classes = List.copyOf(classes);
        this.side = side;
        this.channels = channels;
        this.rotations = rotations;
        this.invert = invert;
        this.cache = cache;
        this.augmentation = augmentation;
        this.pixels = side * side * channels;
    }

    /** @return the number of base classes */
    int baseCount() {
        return classes.size();
    }

    /**
     * A base class's name.
     *
     * @param b the base class
     * @return the name
     */
    String name(int b) {
        return classes.get(b).name();
    }

    /** @return the cache */
    ImageCache cache() {
        return cache;
    }

    /**
     * The classes of some base classes: each base class's rotations, in order.
     *
     * @param base base class numbers
     * @return class numbers
     */
    int[] expand(int[] base) {
        int[] out = new int[base.length * rotations];
        for (int i = 0; i < base.length; i++) {
            for (int r = 0; r < rotations; r++) {
                out[i * rotations + r] = base[i] * rotations + r;
            }
        }
        return out;
    }

    @Override
    public int count() {
        return classes.size() * rotations;
    }

    @Override
    public int images(int c) {
        return classes.get(c / rotations).images().size();
    }

    @Override
    public long[] imageShape() {
        return new long[] {channels, side, side};
    }

    /**
     * The 8-bit pixels of an image of a class, rotated as the class says.
     *
     * @param c the class
     * @param i the image
     * @return {@code side · side · channels} bytes; a shared array, not to be modified
     */
    byte[] pixels(int c, int i) {
        int b = c / rotations;
        Images images = classes.get(b).images();
        byte[] px = images.decodes() ? cache.get(((long) b << 32) | i, () -> checked(images.pixels(i), b, i))
                : checked(images.pixels(i), b, i);
        return rot90(px, side, channels, c % rotations);
    }

    private byte[] checked(byte[] px, int b, int i) {
        if (px.length != pixels) {
            throw new IllegalStateException("image " + i + " of class " + name(b) + " has " + px.length
                    + " bytes; expected " + pixels);
        }
        return px;
    }

    @Override
    public void copy(int c, int i, FloatBuffer out, int offset) {
        write(pixels(c, i), out, offset);
    }

    @Override
    public void copyTraining(int c, int i, FloatBuffer out, int offset, Rng rng) {
        byte[] px = pixels(c, i);
        write(augmentation == null ? px : augmentation.apply(px, side, side, channels, rng), out, offset);
    }

    /** Interleaved {@code [H, W, C]} bytes to planar {@code [C, H, W]} floats. */
    private void write(byte[] px, FloatBuffer out, int offset) {
        int plane = side * side;
        for (int p = 0; p < plane; p++) {
            for (int k = 0; k < channels; k++) {
                float v = (px[p * channels + k] & 0xff) / 255f;
                out.put(offset + k * plane + p, invert ? 1f - v : v);
            }
        }
    }

    /** {@code numpy.rot90(image, r)} over the first two axes of {@code [H, W, C]}: counter-clockwise. */
    static byte[] rot90(byte[] px, int n, int channels, int r) {
        if (r == 0) {
            return px;
        }
        byte[] out = new byte[px.length];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                int sy;
                int sx;
                switch (r) {
                    case 1 -> { sy = x; sx = n - 1 - y; }
                    case 2 -> { sy = n - 1 - y; sx = n - 1 - x; }
                    default -> { sy = n - 1 - x; sx = y; }
                }
                System.arraycopy(px, (sy * n + sx) * channels, out, (y * n + x) * channels, channels);
            }
        }
        return out;
    }

    // ---- image lists ----

    /**
     * Encoded images (PNG or JPEG), decoded and resized with PIL's Lanczos on every miss.
     *
     * @param count how many
     * @param bytes the encoded bytes of an image
     * @param where the image's file or entry, for errors
     * @param side the side to resize to
     * @param channels 1 or 3
     * @return the list
     */
    static Images encoded(int count, IntFunction<byte[]> bytes, IntFunction<String> where, int side, int channels) {
        return new Images() {
            @Override
            public int size() {
                return count;
            }

            @Override
            public byte[] pixels(int i) {
                ImageDecoder.Image im = ImageDecoder.decode(bytes.apply(i), where.apply(i), channels);
                return LanczosResize.resize(im.pixels(), im.width(), im.height(), channels, side, side);
            }

            @Override
            public boolean decodes() {
                return true;
            }
        };
    }

    /**
     * Image files, read when decoded.
     *
     * @param files the files
     * @param side the side to resize to
     * @param channels 1 or 3
     * @return the list
     */
    static Images files(List<Path> files, int side, int channels) {
        List<Path> fs = List.copyOf(files);
        return encoded(fs.size(), i -> read(fs.get(i)), i -> fs.get(i).toString(), side, channels);
    }

    /**
     * A file's bytes.
     *
     * @param file the file
     * @return its contents
     * @throws IllegalArgumentException naming the file if it cannot be read
     */
    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Decoded 8-bit images inside one array (a pickled numpy array, a CIFAR file), resized with
     * PIL's Lanczos if their size is not the collection's.
     *
     * @param data the array
     * @param starts where each image starts in it
     * @param width the images' width
     * @param height their height
     * @param channels their channels, the collection's too
     * @param planar whether an image is {@code [C, H, W]} (CIFAR) rather than {@code [H, W, C]}
     * @param side the side to resize to
     * @return the list
     */
    static Images raw(byte[] data, long[] starts, int width, int height, int channels, boolean planar, int side) {
        return new Images() {
            @Override
            public int size() {
                return starts.length;
            }

            @Override
            public byte[] pixels(int i) {
                int n = width * height * channels;
                int at = Math.toIntExact(starts[i]);
                byte[] px = new byte[n];
                if (planar) {
                    int plane = width * height;
                    for (int p = 0; p < plane; p++) {
                        for (int k = 0; k < channels; k++) {
                            px[p * channels + k] = data[at + k * plane + p];
                        }
                    }
                } else {
                    System.arraycopy(data, at, px, 0, n);
                }
                return LanczosResize.resize(px, width, height, channels, side, side);
            }

            @Override
            public boolean decodes() {
                return false;
            }
        };
    }
}
