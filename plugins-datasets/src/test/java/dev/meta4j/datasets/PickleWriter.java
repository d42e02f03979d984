package dev.meta4j.datasets;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes pickles as Python 2's cPickle with numpy 1.x writes them (protocol 2, {@code str} as
 * {@code SHORT_BINSTRING}/{@code BINSTRING}, arrays as {@code numpy.core.multiarray._reconstruct}
 * with their data as a {@code str}): the form of Gidaris's mini-ImageNet pickles, MetaOptNet's
 * CIFAR-FS/FC100 pickles, CIFAR-100's Python files and Ren et al.'s tiered-ImageNet pickles. The
 * Python 3 forms (protocols 2, 4 and 5 from numpy 1 and 2) are checked on real files made by
 * {@code scripts/reference/fewshot_golden.py}. Values: {@link Map} (dict, in its iteration order),
 * {@link List} (list), {@link String} (a Python 2 {@code str}), {@code byte[]} (a {@code str} of those
 * bytes), {@link Integer}/{@link Long}, {@link Array} (a numpy array).
 */
public final class PickleWriter {

    /**
     * A numpy array.
     *
     * @param descr its dtype, such as {@code u1} or {@code i8} (little-endian)
     * @param shape its shape
     * @param data its raw data in C order
     */
    public record Array(String descr, int[] shape, byte[] data) {
        /**
         * A uint8 array.
         *
         * @param data the bytes
         * @param shape the shape
         * @return the array
         */
        public static Array uint8(byte[] data, int... shape) {
            return new Array("u1", shape, data);
        }
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private PickleWriter() {}

    /**
     * Writes a pickle file.
     *
     * @param file the file
     * @param value the object
     */
    public static void write(Path file, Object value) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, bytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A pickle's bytes.
     *
     * @param value the object
     * @return the bytes
     */
    public static byte[] bytes(Object value) {
        PickleWriter w = new PickleWriter();
        w.out.write(0x80);
        w.out.write(2);
        w.value(value);
        w.out.write('.');
        return w.out.toByteArray();
    }

    private void value(Object v) {
        if (v instanceof Map<?, ?> m) {
            out.write('}');
            if (!m.isEmpty()) {
                out.write('(');
                m.forEach((k, x) -> {
                    value(k);
                    value(x);
                });
                out.write('u');
            }
        } else if (v instanceof List<?> l) {
            out.write(']');
            if (!l.isEmpty()) {
                out.write('(');
                l.forEach(this::value);
                out.write('e');
            }
        } else if (v instanceof String s) {
            str(s.getBytes(StandardCharsets.ISO_8859_1));
        } else if (v instanceof byte[] b) {
            str(b);
        } else if (v instanceof Integer || v instanceof Long) {
            long x = ((Number) v).longValue();
            if (x >= Integer.MIN_VALUE && x <= Integer.MAX_VALUE) {
                out.write('J');
                int4((int) x);
            } else {
                out.write(0x8a); // LONG1
                out.write(8);
                for (int i = 0; i < 8; i++) {
                    out.write((int) (x >>> (8 * i)));
                }
            }
        } else if (v instanceof Array a) {
            global("numpy.core.multiarray", "_reconstruct");
            global("numpy", "ndarray");
            out.write('K');
            out.write(0);
            out.write(0x85); // TUPLE1
            str(new byte[] {'b'});
            out.write(0x87); // TUPLE3
            out.write('R');
            out.write('(');
            out.write('K');
            out.write(1);
            out.write('(');
            for (int d : a.shape()) {
                value(d);
            }
            out.write('t');
            global("numpy", "dtype");
            str(a.descr().getBytes(StandardCharsets.ISO_8859_1));
            out.write('K');
            out.write(0);
            out.write('K');
            out.write(1);
            out.write(0x87);
            out.write('R');
            out.write('(');
            out.write('K');
            out.write(3);
            str(new byte[] {(byte) (a.descr().equals("u1") ? '|' : '<')});
            out.write('N');
            out.write('N');
            out.write('N');
            value(-1);
            value(-1);
            out.write('K');
            out.write(0);
            out.write('t');
            out.write('b');
            out.write(0x89); // NEWFALSE
            str(a.data());
            out.write('t');
            out.write('b');
        } else {
            throw new IllegalArgumentException("cannot pickle " + v);
        }
    }

    private void global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private void str(byte[] b) {
        if (b.length < 256) {
            out.write('U');
            out.write(b.length);
        } else {
            out.write('T');
            int4(b.length);
        }
        out.writeBytes(b);
    }

    private void int4(int x) {
        for (int i = 0; i < 4; i++) {
            out.write(x >>> (8 * i));
        }
    }
}
