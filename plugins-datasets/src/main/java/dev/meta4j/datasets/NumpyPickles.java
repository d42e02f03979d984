package dev.meta4j.datasets;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;

/**
 * Python pickles holding numpy arrays, read with Irmen de Jong's {@code net.razorvine:pickle}
 * (Pyrolite) and constructors for numpy's own pickle format, so that the distributed files of
 * mini-ImageNet (learn2learn's and MetaOptNet's), tiered-ImageNet, CIFAR-FS, FC100 and CIFAR-100
 * load without Python and without a conversion step.
 *
 * <p>numpy pickles an array as {@code numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')}
 * followed by {@code __setstate__((version, shape, dtype, is_fortran, data))}, with the dtype as
 * {@code numpy.dtype(descr, False, True)} and its own {@code __setstate__((3, byte_order, ...))};
 * with protocol 5 it uses {@code numpy.core.numeric._frombuffer(buffer, dtype, shape, order)}
 * instead; numpy 2 renamed the module {@code numpy._core}. All of these are registered. The data
 * arrive as bytes ({@code BINBYTES}, protocol 3 and later), as {@code _codecs.encode(text,
 * 'latin1')} (protocol 2 from Python 3) or as a Python 2 {@code str} (Python 2's pickles, such as
 * Gidaris's and CIFAR-100's), which the reader gives as a string of byte-valued characters.
 * Object arrays keep their elements as a list. Python dicts come back as Java maps (their order
 * is lost: callers sort keys), lists as lists, tuples as {@code Object[]}, Python 2 {@code str}
 * and Python 3 {@code str} both as {@code String}.
 *
 * <p>Everything a file holds is in memory at once: the train pickle of learn2learn's mini-ImageNet
 * (38,400 × 84 × 84 × 3 bytes) needs about 0.9 GB of heap, twice that for a Python 2 pickle while its
 * text is turned back into bytes; tiered-ImageNet's PNG pickles are kept encoded.
 */
final class NumpyPickles {

    static {
        IObjectConstructor reconstruct = args -> new NdArray();
        IObjectConstructor fromBuffer = NumpyPickles::fromBuffer;
        IObjectConstructor scalar = NumpyPickles::scalar;
        for (String core : List.of("numpy.core", "numpy._core")) {
            Unpickler.registerConstructor(core + ".multiarray", "_reconstruct", reconstruct);
            Unpickler.registerConstructor(core + ".numeric", "_frombuffer", fromBuffer);
            Unpickler.registerConstructor(core + ".multiarray", "scalar", scalar);
        }
        Unpickler.registerConstructor("numpy", "dtype", args -> new Dtype(string(args[0])));
    }

    private NumpyPickles() {}

    /**
     * Reads a pickle.
     *
     * @param file the file
     * @return its object: maps, lists, {@code Object[]} tuples, strings, numbers, {@link NdArray}s
     * @throws IllegalArgumentException naming the file if it is missing or not a pickle this reader understands
     */
    static Object load(Path file) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            Unpickler u = new Unpickler();
            try {
                return u.load(in);
            } finally {
                u.close();
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + " does not exist", e);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": not a readable Python pickle (" + e + ")", e);
        }
    }

    /**
     * A pickled numpy array: its dtype, shape and raw data (C order unless {@link #fortran()}).
     * Public only because the pickle reader calls {@link #__setstate__} by reflection.
     */
    public static final class NdArray {
        private Dtype dtype;
        private int[] shape;
        private boolean fortran;
        private byte[] data;
        private List<?> objects;

        NdArray() {}

        /**
         * numpy's {@code ndarray.__setstate__}: {@code (version, shape, dtype, is_fortran, data)}
         * or, from old pickles, the same without the version.
         *
         * @param state the state tuple
         */
        public void __setstate__(Object[] state) {
            int at = state.length == 5 ? 1 : 0;
            if (state.length != 4 && state.length != 5) {
                throw new PickleException("ndarray state of " + state.length + " items; expected 4 or 5");
            }
            shape = NumpyPickles.shape(state[at]);
            dtype = (Dtype) state[at + 1];
            fortran = Boolean.TRUE.equals(state[at + 2]);
            Object raw = state[at + 3];
            if (raw instanceof List<?> list) {
                objects = list;
            } else {
                data = bytes(raw);
            }
        }

        /** @return the dtype as numpy writes it, such as {@code |u1} or {@code <i8} */
        String dtype() {
            return dtype == null ? "?" : dtype.str();
        }

        /** @return the shape */
        int[] shape() {
            return shape.clone();
        }

        /** @return whether the data are in Fortran (column-major) order */
        boolean fortran() {
            return fortran;
        }

        /** @return the raw data, or null for an object array */
        byte[] data() {
            return data;
        }

        /** @return the elements of an object array, or null */
        List<?> objects() {
            return objects;
        }

        /** @return the number of elements */
        long size() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        /** @return a description for error messages, such as {@code uint8 array [38400, 84, 84, 3]} */
        String describe() {
            return dtype() + " array " + Arrays.toString(shape);
        }

        /**
         * The elements as longs, for an integer array of any width and byte order.
         *
         * @return the values, in C order
         * @throws IllegalStateException if the array is not of integers
         */
        long[] longs() {
            String d = dtype();
            char kind = d.charAt(1);
            int width = Integer.parseInt(d.substring(2));
            if ((kind != 'i' && kind != 'u') || data == null || fortran && shape.length > 1) {
                throw new IllegalStateException("expected an integer array, found " + describe());
            }
            ByteBuffer b = ByteBuffer.wrap(data).order(d.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            long[] out = new long[Math.toIntExact(size())];
            for (int i = 0; i < out.length; i++) {
                out[i] = switch (width) {
                    case 1 -> kind == 'u' ? b.get(i) & 0xffL : b.get(i);
                    case 2 -> kind == 'u' ? b.getShort(2 * i) & 0xffffL : b.getShort(2 * i);
                    case 4 -> kind == 'u' ? b.getInt(4 * i) & 0xffffffffL : b.getInt(4 * i);
                    default -> b.getLong(8 * i);
                };
            }
            return out;
        }
    }

    /** A numpy dtype: its descriptor ({@code u1}, {@code i8}, {@code O8}) and byte order. */
    public static final class Dtype {
        private final String descr;
        private String order = "|";

        Dtype(String descr) {
            this.descr = descr;
        }

        /**
         * numpy's {@code dtype.__setstate__}: the byte order is the second item.
         *
         * @param state the state tuple
         */
        public void __setstate__(Object[] state) {
            if (state.length > 1 && state[1] instanceof String s) {
                order = s;
            }
        }

        /** @return the dtype as numpy's {@code dtype.str}: byte order, kind and width */
        String str() {
            String o = order.equals("=") ? "<" : order;
            char kind = descr.charAt(0);
            if (kind == 'u' && descr.equals("u1") || kind == 'i' && descr.equals("i1") || kind == 'b') {
                o = "|";
            }
            return o + descr;
        }
    }

    private static Object fromBuffer(Object[] args) {
        NdArray a = new NdArray();
        a.__setstate__(new Object[] {1, args[2], args[1], "F".equals(args.length > 3 ? args[3] : "C"), args[0]});
        return a;
    }

    private static Object scalar(Object[] args) {
        Dtype d = (Dtype) args[0];
        NdArray a = new NdArray();
        a.__setstate__(new Object[] {1, new Object[0], d, false, args[1]});
        return a.longs()[0];
    }

    private static int[] shape(Object o) {
        if (o instanceof Object[] t) {
            int[] s = new int[t.length];
            for (int i = 0; i < t.length; i++) {
                s[i] = Math.toIntExact(((Number) t[i]).longValue());
            }
            return s;
        }
        throw new PickleException("ndarray shape is " + o + "; expected a tuple");
    }

    private static String string(Object o) {
        if (o instanceof byte[] b) {
            return new String(b, StandardCharsets.ISO_8859_1);
        }
        return String.valueOf(o);
    }

    /** Bytes from the forms raw data take in pickles (see the class comment). */
    private static byte[] bytes(Object raw) {
        if (raw instanceof byte[] b) {
            return b;
        }
        if (raw instanceof String s) {
            return s.getBytes(StandardCharsets.ISO_8859_1);
        }
        throw new PickleException("ndarray data of type " + (raw == null ? "None" : raw.getClass().getSimpleName())
                + "; expected bytes");
    }

    // ---- reading the objects, each problem naming the file and what was expected ----

    /**
     * A dict.
     *
     * @param o the object
     * @param file the file, for errors
     * @param what what the file was expected to hold
     * @return the map
     */
    static Map<?, ?> dict(Object o, Path file, String what) {
        if (o instanceof Map<?, ?> m) {
            return m;
        }
        throw new IllegalArgumentException(file + ": expected " + what + ", found " + kind(o));
    }

    /**
     * A dict entry by its key (a Python 3 or Python 2 string).
     *
     * @param m the dict
     * @param key the key
     * @param file the file, for errors
     * @param what what the file was expected to hold
     * @return the value
     */
    static Object entry(Map<?, ?> m, String key, Path file, String what) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            Object k = e.getKey();
            if (key.equals(k) || k instanceof byte[] b && key.equals(new String(b, StandardCharsets.ISO_8859_1))) {
                return e.getValue();
            }
        }
        throw new IllegalArgumentException(file + ": no '" + key + "' entry; expected " + what + ", found a dict with keys "
                + keys(m));
    }

    private static String keys(Map<?, ?> m) {
        return m.keySet().stream().map(k -> k instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1)
                : String.valueOf(k)).sorted().toList().toString();
    }

    /**
     * A uint8 array of a given rank.
     *
     * @param o the object
     * @param file the file, for errors
     * @param what the entry, for errors
     * @param dims the expected rank
     * @return the array
     */
    static NdArray uint8(Object o, Path file, String what, int dims) {
        if (o instanceof NdArray a && a.dtype().equals("|u1") && a.shape.length == dims && a.data != null
                && (!a.fortran || dims < 2) && a.data.length == a.size()) {
            return a;
        }
        throw new IllegalArgumentException(file + ": '" + what + "' is " + kind(o) + "; expected a uint8 array of rank "
                + dims + " in C order");
    }

    /**
     * Integers from a list of Python ints or an integer array.
     *
     * @param o the object
     * @param file the file, for errors
     * @param what the entry, for errors
     * @return the values
     */
    static long[] integers(Object o, Path file, String what) {
        try {
            if (o instanceof NdArray a) {
                return a.longs();
            }
            if (o instanceof List<?> list) {
                long[] out = new long[list.size()];
                for (int i = 0; i < out.length; i++) {
                    Object v = list.get(i);
                    if (v instanceof Integer || v instanceof Long || v instanceof BigInteger) {
                        out[i] = ((Number) v).longValue();
                    } else {
                        throw new IllegalStateException("item " + i + " is " + kind(v));
                    }
                }
                return out;
            }
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(file + ": '" + what + "' is not a list of integers (" + e.getMessage() + ")");
        }
        throw new IllegalArgumentException(file + ": '" + what + "' is " + kind(o) + "; expected a list or array of integers");
    }

    /**
     * Strings from a list.
     *
     * @param o the object
     * @param file the file, for errors
     * @param what the entry, for errors
     * @return the strings
     */
    static List<String> strings(Object o, Path file, String what) {
        if (o instanceof List<?> list) {
            return list.stream().map(v -> {
                if (v instanceof String s) {
                    return s;
                }
                if (v instanceof byte[] b) {
                    return new String(b, StandardCharsets.UTF_8);
                }
                throw new IllegalArgumentException(file + ": '" + what + "' holds " + kind(v) + "; expected strings");
            }).toList();
        }
        throw new IllegalArgumentException(file + ": '" + what + "' is " + kind(o) + "; expected a list of strings");
    }

    /**
     * What an object is, for error messages.
     *
     * @param o the object
     * @return a short description
     */
    static String kind(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof NdArray a) {
            return "a " + a.describe();
        }
        if (o instanceof Map<?, ?> m) {
            return "a dict with keys " + keys(m);
        }
        if (o instanceof List<?> l) {
            return "a list of " + l.size();
        }
        if (o instanceof Object[] t) {
            return "a tuple of " + t.length;
        }
        if (o instanceof byte[] b) {
            return "bytes of length " + b.length;
        }
        String text = String.valueOf(o);
        return "a " + o.getClass().getSimpleName() + " (" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + ")";
    }
}
