package dev.meta4j.datasets.mtl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fixtures in exactly the on-disk formats of the issue-10 datasets, written by the tests' own
 * writers (independent of the readers under test): {@code .npy} files of any header, MTAN's
 * scene layout with values given by formulas the tests can recompute.
 */
final class MtlFixtures {

    private MtlFixtures() {}

    /**
     * Writes an {@code .npy} file from its parts.
     *
     * @param path the file
     * @param major the format version, 1, 2 or 3 (decides the header length's width)
     * @param header the header text (padded here to a 64-byte boundary with spaces and a newline)
     * @param data the bytes after the header
     * @return the path
     */
    static Path rawNpy(Path path, int major, String header, byte[] data) {
        int prefix = major == 1 ? 10 : 12;
        StringBuilder text = new StringBuilder(header);
        while ((prefix + text.length() + 1) % 64 != 0) {
            text.append(' ');
        }
        text.append('\n');
        byte[] h = text.toString().getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(prefix + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        b.put(h).put(data);
        return write(path, b.array());
    }

    /**
     * Writes a C-ordered little-endian array as NumPy would.
     *
     * @param path the file
     * @param descr {@code <f4 <f8 <i8 <i4 |u1 |b1}
     * @param shape the shape
     * @param values the values in C order
     * @param major the format version
     * @return the path
     */
    static Path npy(Path path, String descr, long[] shape, double[] values, int major) {
        int size = switch (descr) {
            case "<f8", "<i8" -> 8;
            case "<f4", "<i4" -> 4;
            default -> 1;
        };
        ByteBuffer d = ByteBuffer.allocate(values.length * size).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            switch (descr) {
                case "<f8" -> d.putDouble(v);
                case "<f4" -> d.putFloat((float) v);
                case "<i8" -> d.putLong((long) v);
                case "<i4" -> d.putInt((int) v);
                case "|u1" -> d.put((byte) (int) v);
                case "|b1" -> d.put((byte) (v != 0 ? 1 : 0));
                default -> throw new IllegalArgumentException(descr);
            }
        }
        return rawNpy(path, major, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + NpyFile.tuple(shape)
                + ", }", d.array());
    }

    /** {@link #npy(Path, String, long[], double[], int)} in format 1.0. */
    static Path npy(Path path, String descr, long[] shape, double[] values) {
        return npy(path, descr, shape, values, 1);
    }

    static Path write(Path path, byte[] bytes) {
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            return Files.write(path, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path path, String text) {
        return write(path, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    // ---- MTAN's scene layout, with values the tests recompute ----

    /** Image value of sample i of a split (0 train, 1 val) at (y, x), channel c. */
    static double image(int split, int i, int y, int x, int c) {
        return (split * 5000 + i * 1000 + y * 100 + x * 10 + c) / 8192.0;
    }

    /** Label of sample i at (y, x): -1 (ignore) or a class below {@code classes}. */
    static int label(int split, int i, int y, int x, int classes) {
        return Math.floorMod(split + 3 * i + 2 * y + x, classes + 1) - 1;
    }

    /** Depth of sample i at (y, x): 0 (invalid) every 5th pixel, else positive. */
    static double depth(int split, int i, int y, int x, int width) {
        return (y * width + x) % 5 == 2 ? 0 : 1 + split + i + y / 8.0 + x / 64.0;
    }

    /** Normal of sample i at (y, x), channel c: all-zero (invalid) every 7th pixel. */
    static double normal(int split, int i, int y, int x, int c, int width) {
        if ((y * width + x) % 7 == 3) {
            return 0;
        }
        double[] v = {0.25 + x / 32.0, -0.5 + y / 16.0, 1 + i / 4.0 + split};
        double n = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        return v[c] / n;
    }

    /**
     * Writes scenes in MTAN's layout.
     *
     * @param root the folder to create {@code train} and {@code val} in
     * @param labelFolders the label folders to write ({@code label}, or {@code label_7} and {@code label_19})
     * @param labelClasses each label folder's classes
     * @param normals whether to write {@code normal}
     * @param train training scenes
     * @param val validation scenes
     * @param height rows
     * @param width columns
     * @param imageDescr the images' dtype ({@code <f4} or {@code <f8})
     * @return the root
     */
    static Path scenes(Path root, String[] labelFolders, int[] labelClasses, boolean normals, int train, int val,
            int height, int width, String imageDescr) {
        String[] splits = {"train", "val"};
        int[] counts = {train, val};
        for (int s = 0; s < 2; s++) {
            Path dir = root.resolve(splits[s]);
            for (int i = 0; i < counts[s]; i++) {
                double[] img = new double[height * width * 3];
                double[] dep = new double[height * width];
                double[] nor = new double[height * width * 3];
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        for (int c = 0; c < 3; c++) {
                            img[(y * width + x) * 3 + c] = image(s, i, y, x, c);
                            nor[(y * width + x) * 3 + c] = normal(s, i, y, x, c, width);
                        }
                        dep[y * width + x] = depth(s, i, y, x, width);
                    }
                }
                npy(dir.resolve("image").resolve(i + ".npy"), imageDescr, new long[] {height, width, 3}, img);
                npy(dir.resolve("depth").resolve(i + ".npy"), "<f4", new long[] {height, width, 1}, dep);
                if (normals) {
                    npy(dir.resolve("normal").resolve(i + ".npy"), "<f4", new long[] {height, width, 3}, nor);
                }
                for (int l = 0; l < labelFolders.length; l++) {
                    double[] lab = new double[height * width];
                    for (int y = 0; y < height; y++) {
                        for (int x = 0; x < width; x++) {
                            lab[y * width + x] = label(s, i, y, x, labelClasses[l]);
                        }
                    }
                    // MTAN's label files hold floats; -1 marks ignored pixels.
                    npy(dir.resolve(labelFolders[l]).resolve(i + ".npy"), "<f4", new long[] {height, width}, lab);
                }
            }
        }
        return root;
    }
}
