package dev.meta4j.runtime.scenes;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Writes little-endian float32 {@code .npy} files, format 1.0, C order: what numpy's {@code
 * np.save} writes for a {@code float32} array, and what MTAN's preprocessed NYUv2 holds.
 */
public final class NpyWriter {

    private NpyWriter() {}

    /**
     * Writes one array.
     *
     * @param file the file (its folder must exist)
     * @param shape the array's shape
     * @param values the values in C order
     * @throws IOException if the file cannot be written
     */
    public static void write(Path file, long[] shape, float[] values) throws IOException {
        long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if (n != values.length) {
            throw new IllegalArgumentException(file + ": shape " + Arrays.toString(shape) + " holds " + n
                    + " values, got " + values.length);
        }
        String dims = Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", "));
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + (shape.length == 1 ? ",)" : ")")
                + ", }";
        // magic (6) + version (2) + length (2) + header: padded with spaces to a multiple of 64, then '\n'
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        buf.putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.US_ASCII));
        for (float v : values) {
            buf.putFloat(v);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(buf.array());
        }
    }
}
