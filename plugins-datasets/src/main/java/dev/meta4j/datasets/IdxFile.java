package dev.meta4j.datasets;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file of unsigned bytes (LeCun's MNIST format, also used by Fashion-MNIST), plain or
 * gzipped.
 *
 * <p>Layout: a 4-byte magic number {@code 00 00 08 D} ({@code 08} = unsigned byte, {@code D} =
 * the number of dimensions), then {@code D} big-endian 32-bit sizes, then the values in row-major
 * order. Images are {@code 0x00000803} ({@code [count, rows, cols]}), labels {@code 0x00000801}
 * ({@code [count]}). Every problem is reported with the file's path and what was expected.
 *
 * @param path the file that was read
 * @param dims the sizes, first the item count
 * @param data the values, {@code prod(dims)} bytes (read them with {@code & 0xff})
 */
public record IdxFile(Path path, int[] dims, byte[] data) {

    /** The magic number's third byte for unsigned bytes. */
    private static final int UBYTE = 0x08;

    /** Copies the sizes; the data is kept as given (it is large, and the reader owns it). */
    public IdxFile {
        dims = dims.clone();
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }

    /**
     * The number of items (the first size).
     *
     * @return the count
     */
    public int count() {
        return dims[0];
    }

    /**
     * The bytes of one item ({@code prod(dims[1:])}).
     *
     * @return the item size
     */
    public int itemSize() {
        int s = 1;
        for (int i = 1; i < dims.length; i++) {
            s *= dims[i];
        }
        return s;
    }

    /**
     * Finds {@code base.gz} or {@code base} in a folder, preferring the gzipped file.
     *
     * @param folder the folder
     * @param base the file name without {@code .gz}, such as {@code train-images-idx3-ubyte}
     * @return the path
     * @throws IllegalArgumentException naming both names if neither exists
     */
    public static Path locate(Path folder, String base) {
        Path gz = folder.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = folder.resolve(base);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new IllegalArgumentException("missing IDX file: neither " + gz + " nor " + plain + " exists");
    }

    /**
     * Reads a file and checks its header: unsigned-byte type, the expected number of dimensions
     * and exactly {@code prod(dims)} bytes of data after the header.
     *
     * @param path a plain or gzipped ({@code .gz}) IDX file
     * @param dimensions the expected number of dimensions (3 for images, 1 for labels)
     * @return the file's contents
     * @throws IllegalArgumentException for a malformed file, naming it and what was expected
     * @throws UncheckedIOException when the file cannot be read
     */
    public static IdxFile read(Path path, int dimensions) {
        try (InputStream in = open(path)) {
            return parse(path, in, dimensions);
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException(path + ": not a valid gzip file (" + e.getMessage() + ")", e);
        } catch (java.io.EOFException e) {
            throw new IllegalArgumentException(path + ": truncated gzip stream (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static InputStream open(Path path) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        if (path.getFileName().toString().endsWith(".gz")) {
            try {
                return new GZIPInputStream(in, 1 << 16);
            } catch (IOException e) {
                in.close();
                throw e;
            }
        }
        return in;
    }

    private static IdxFile parse(Path path, InputStream in, int dimensions) throws IOException {
        int expectedMagic = (UBYTE << 8) | dimensions;
        byte[] head = in.readNBytes(4);
        if (head.length < 4) {
            throw new IllegalArgumentException(String.format(
                    "%s: truncated, %d bytes, not even a 4-byte IDX magic number (expected 0x%08x)",
                    path, head.length, expectedMagic));
        }
        int magic = readInt(head, 0);
        if (magic != expectedMagic) {
            String what = (magic >>> 16) != 0 || ((magic >>> 8) & 0xff) != UBYTE
                    ? "not an IDX file of unsigned bytes"
                    : "an IDX file with " + (magic & 0xff) + " dimension(s)";
            throw new IllegalArgumentException(String.format(
                    "%s: wrong magic number 0x%08x (%s); expected 0x%08x (unsigned bytes, %d dimension(s))",
                    path, magic, what, expectedMagic, dimensions));
        }
        byte[] sizes = in.readNBytes(4 * dimensions);
        if (sizes.length < 4 * dimensions) {
            throw new IllegalArgumentException(String.format(
                    "%s: truncated header, %d bytes; expected %d (magic and %d sizes)",
                    path, 4 + sizes.length, 4 + 4 * dimensions, dimensions));
        }
        int[] dims = new int[dimensions];
        long expected = 1;
        for (int i = 0; i < dimensions; i++) {
            dims[i] = readInt(sizes, 4 * i);
            if (dims[i] < 0) {
                throw new IllegalArgumentException(path + ": negative size " + dims[i] + " in dimension " + i);
            }
            expected *= dims[i];
        }
        if (expected > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(String.format(
                    "%s: header %s describes %d bytes, more than one array can hold", path, Arrays.toString(dims),
                    expected));
        }
        byte[] data = in.readNBytes((int) expected);
        if (data.length < expected) {
            throw new IllegalArgumentException(String.format(
                    "%s: truncated, header %s promises %d bytes of data but only %d follow",
                    path, Arrays.toString(dims), expected, data.length));
        }
        long extra = 0;
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            extra += n;
        }
        if (extra > 0) {
            throw new IllegalArgumentException(String.format(
                    "%s: %d unexpected byte(s) after the %d bytes of data that header %s describes",
                    path, extra, expected, Arrays.toString(dims)));
        }
        return new IdxFile(path, dims, data);
    }

    private static int readInt(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdxFile f && path.equals(f.path) && Arrays.equals(dims, f.dims)
                && Arrays.equals(data, f.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * path.hashCode() + Arrays.hashCode(dims)) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "IdxFile[" + path + ", " + Arrays.toString(dims) + "]";
    }
}
