package dev.meta4j.datasets.mtl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One NumPy {@code .npy} file (NEP 1, the format {@code np.save} writes), read whole or by its
 * header alone.
 *
 * <p><b>Layout.</b> The 6-byte magic {@code \x93NUMPY}, a major and a minor version byte, the
 * header's length (a little-endian {@code uint16} in version 1.0, {@code uint32} in 2.0 and 3.0),
 * then the header: a Python dict literal {@code {'descr': '<f4', 'fortran_order': False,
 * 'shape': (288, 384, 3), }} padded with spaces and a newline (Latin-1 in 1.0 and 2.0, UTF-8 in
 * 3.0), then the values, {@code prod(shape)} items of the dtype, back to back.
 *
 * <p><b>What is read.</b> Versions 1.0, 2.0 and 3.0; the dtypes {@code <f4 <f8 <i8 <i4 |u1 |b1}
 * (for one-byte types any byte-order mark); C order; exactly the data the header describes.
 * Everything else is an {@link IllegalArgumentException} that names the file, what it holds and
 * what was expected: Fortran order, big-endian or native-order ({@code =}) multi-byte dtypes,
 * pickled objects ({@code |O}, never unpickled), structured or other dtypes, an unknown version,
 * a malformed header, and a file that is shorter or longer than its header says (a truncated
 * download, two files run together).
 *
 * <p><b>Why not DJL's decoder.</b> DJL 0.36 reads {@code .npy} ({@code NDList.decode}, {@code
 * NDSerializer.decodeNumpy}: versions 1-3, the numeric dtypes, both byte orders), but it does
 * not serve the dataset readers: its errors name no file ("Invalid numpy header: ..."), a Fortran
 * array is only a header that does not match its pattern, a truncated file is a bare {@code
 * EOFException}; its header pattern expects the exact key order and spacing that NumPy writes;
 * and it always creates an engine array, while the readers need the header alone to validate
 * thousands of files before any training, and the values in Java to turn channels-last files
 * into channels-first batches, crop and flip them, in one pass.
 */
public final class NpyFile {

    /** The item types that are read, by their NumPy {@code descr}. */
    public enum DType {
        /** {@code <f4}: float32. */
        FLOAT32("<f4", 4),
        /** {@code <f8}: float64. */
        FLOAT64("<f8", 8),
        /** {@code <i8}: int64. */
        INT64("<i8", 8),
        /** {@code <i4}: int32. */
        INT32("<i4", 4),
        /** {@code |u1}: uint8. */
        UINT8("|u1", 1),
        /** {@code |b1}: bool, one byte, 0 or 1. */
        BOOL("|b1", 1);

        private final String descr;
        private final int size;

        DType(String descr, int size) {
            this.descr = descr;
            this.size = size;
        }

        /**
         * The NumPy {@code descr} this type is written with.
         *
         * @return such as {@code <f4}
         */
        public String descr() {
            return descr;
        }

        /**
         * Bytes per item.
         *
         * @return 1, 4 or 8
         */
        public int size() {
            return size;
        }

        /** Whether the values are floating point. */
        boolean floating() {
            return this == FLOAT32 || this == FLOAT64;
        }
    }

    /** The magic string every {@code .npy} file starts with. */
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** The supported dtypes, for messages. */
    static final String SUPPORTED = "<f4, <f8, <i8, <i4, |u1, |b1";

    /** NumPy pads the header so that the data starts at a multiple of this many bytes. */
    private static final int ALIGN = 64;

    /**
     * What a file's header says.
     *
     * @param path the file
     * @param major the format's major version (1, 2 or 3)
     * @param dtype the item type
     * @param shape the array's shape ({@code []} for a 0-d array)
     * @param dataOffset where the values start
     */
    public record Header(Path path, int major, DType dtype, long[] shape, long dataOffset) {

        /** Copies the shape. */
        public Header {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /**
         * The number of items.
         *
         * @return {@code prod(shape)}
         */
        public long count() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        /**
         * The bytes of data the header promises.
         *
         * @return {@code count() * dtype.size()}
         */
        public long dataBytes() {
            return count() * dtype.size();
        }

        /**
         * Whether the shape is the expected one.
         *
         * @param expected the shape
         * @return true if equal
         */
        public boolean hasShape(long... expected) {
            return Arrays.equals(shape, expected);
        }

        /**
         * The shape as Python writes it.
         *
         * @return such as {@code (288, 384, 3)} or {@code (5,)}
         */
        public String shapeText() {
            return tuple(shape);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Header h && path.equals(h.path) && major == h.major && dtype == h.dtype
                    && Arrays.equals(shape, h.shape) && dataOffset == h.dataOffset;
        }

        @Override
        public int hashCode() {
            return 31 * (31 * path.hashCode() + dtype.hashCode()) + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return path + " [" + dtype.descr() + " " + shapeText() + ", version " + major + ".0]";
        }
    }

    private final Header header;
    private final ByteBuffer data;

    private NpyFile(Header header, ByteBuffer data) {
        this.header = header;
        this.data = data;
    }

    /**
     * The file's header.
     *
     * @return the header
     */
    public Header header() {
        return header;
    }

    /**
     * The number of values.
     *
     * @return {@code prod(shape)}
     */
    public int count() {
        return Math.toIntExact(header.count());
    }

    /**
     * One value in C order, converted to a double (exactly, for every supported dtype but
     * int64 values beyond 2^53).
     *
     * @param i the flat index
     * @return the value
     */
    public double get(int i) {
        return switch (header.dtype) {
            case FLOAT32 -> data.getFloat(4 * i);
            case FLOAT64 -> data.getDouble(8 * i);
            case INT64 -> data.getLong(8 * i);
            case INT32 -> data.getInt(4 * i);
            case UINT8 -> data.get(i) & 0xff;
            case BOOL -> data.get(i) != 0 ? 1 : 0;
        };
    }

    /**
     * All values in C order, converted to doubles.
     *
     * @param into an array of at least {@link #count()} values, overwritten from index 0
     */
    public void copyTo(double[] into) {
        int n = count();
        if (into.length < n) {
            throw new IllegalArgumentException("an array of " + into.length + " values cannot hold " + n);
        }
        switch (header.dtype) {
            case FLOAT32 -> {
                java.nio.FloatBuffer f = data.asFloatBuffer();
                for (int i = 0; i < n; i++) {
                    into[i] = f.get(i);
                }
            }
            case FLOAT64 -> data.asDoubleBuffer().get(0, into, 0, n);
            default -> {
                for (int i = 0; i < n; i++) {
                    into[i] = get(i);
                }
            }
        }
    }

    /**
     * Reads a file's header and checks that the file holds exactly the data it describes, without
     * reading the data.
     *
     * @param path the file
     * @return its header
     * @throws IllegalArgumentException for a missing, malformed, unsupported or truncated file,
     *     naming it and what was expected
     * @throws UncheckedIOException when the file cannot be read
     */
    public static Header readHeader(Path path) {
        try (FileChannel ch = open(path)) {
            Header h = parseHeader(path, ch);
            checkLength(h, ch.size());
            return h;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a whole file.
     *
     * @param path the file
     * @return its header and values
     * @throws IllegalArgumentException as {@link #readHeader}
     * @throws UncheckedIOException when the file cannot be read
     */
    public static NpyFile read(Path path) {
        try (FileChannel ch = open(path)) {
            Header h = parseHeader(path, ch);
            checkLength(h, ch.size());
            ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(h.dataBytes())).order(ByteOrder.LITTLE_ENDIAN);
            ch.position(h.dataOffset());
            while (data.hasRemaining()) {
                if (ch.read(data) < 0) {
                    // The file shrank after its length was checked.
                    throw truncated(h, data.position());
                }
            }
            data.flip();
            return new NpyFile(h, data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static FileChannel open(Path path) throws IOException {
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(path + ": no such file (expected a .npy file)", e);
        }
    }

    private static void checkLength(Header h, long fileSize) {
        long expected = h.dataOffset() + h.dataBytes();
        if (fileSize < expected) {
            throw truncated(h, fileSize - h.dataOffset());
        }
        if (fileSize > expected) {
            throw new IllegalArgumentException(String.format(
                    "%s: %d unexpected byte(s) after the %d bytes of data that its header (%s, shape %s) describes",
                    h.path(), fileSize - expected, h.dataBytes(), h.dtype().descr(), h.shapeText()));
        }
    }

    private static IllegalArgumentException truncated(Header h, long present) {
        return new IllegalArgumentException(String.format(
                "%s: truncated: its header (%s, shape %s) promises %d bytes of data after the %d-byte header, but only"
                        + " %d follow",
                h.path(), h.dtype().descr(), h.shapeText(), h.dataBytes(), h.dataOffset(), Math.max(0, present)));
    }

    private static Header parseHeader(Path path, FileChannel ch) throws IOException {
        ByteBuffer start = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        while (start.hasRemaining() && ch.read(start) >= 0) {
            // read up to 12 bytes
        }
        int got = start.position();
        start.flip();
        byte[] magic = new byte[Math.min(got, MAGIC.length)];
        start.get(magic);
        if (got < MAGIC.length || !Arrays.equals(magic, MAGIC)) {
            throw new IllegalArgumentException(path + ": not an NPY file: it starts with " + hex(magic)
                    + " instead of the magic string \\x93NUMPY" + (got < MAGIC.length ? " (it has only " + got
                    + " bytes)" : ""));
        }
        if (got < 8) {
            throw new IllegalArgumentException(path + ": truncated NPY header: " + got
                    + " bytes, not even the format version");
        }
        int major = start.get() & 0xff;
        int minor = start.get() & 0xff;
        if (major < 1 || major > 3 || minor != 0) {
            throw new IllegalArgumentException(path + ": NPY format version " + major + "." + minor
                    + " is not supported; expected 1.0, 2.0 or 3.0");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        if (got < 8 + lengthBytes) {
            throw new IllegalArgumentException(path + ": truncated NPY header: " + got + " bytes, the version "
                    + major + ".0 header length needs " + (8 + lengthBytes));
        }
        long headerLength = major == 1 ? start.getShort() & 0xffff : start.getInt() & 0xffffffffL;
        long offset = 8 + lengthBytes + headerLength;
        if (headerLength > 1 << 24) {
            throw new IllegalArgumentException(path + ": NPY header of " + headerLength
                    + " bytes is implausibly long; the file is damaged");
        }
        if (ch.size() < offset) {
            throw new IllegalArgumentException(path + ": truncated NPY header: the file has " + ch.size()
                    + " bytes but its header ends at byte " + offset);
        }
        ByteBuffer text = ByteBuffer.allocate((int) headerLength);
        ch.position(8 + lengthBytes);
        while (text.hasRemaining() && ch.read(text) >= 0) {
            // read the header text
        }
        String dict = new String(text.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> fields;
        try {
            Object value = new Literal(dict).parseWhole();
            if (!(value instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException("it is not a dict");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> cast = (Map<String, Object>) m;
            fields = cast;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": malformed NPY header " + quote(dict) + ": " + e.getMessage()
                    + "; expected a dict such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", e);
        }
        if (!fields.keySet().equals(java.util.Set.of("descr", "fortran_order", "shape"))) {
            throw new IllegalArgumentException(path + ": NPY header " + quote(dict) + " has the keys "
                    + fields.keySet() + "; expected exactly 'descr', 'fortran_order' and 'shape'");
        }
        DType dtype = dtype(path, fields.get("descr"));
        Object fortran = fields.get("fortran_order");
        if (!(fortran instanceof Boolean)) {
            throw new IllegalArgumentException(path + ": NPY header's fortran_order is " + fortran
                    + "; expected True or False");
        }
        long[] shape = shape(path, fields.get("shape"));
        // A 0-d or 1-d array has one layout whatever the flag says (NumPy writes False for it).
        if ((Boolean) fortran && shape.length > 1) {
            throw new IllegalArgumentException(path + ": the array is stored in Fortran order (fortran_order: True,"
                    + " shape " + tuple(shape) + "); expected C order: re-save it with"
                    + " np.save(path, np.ascontiguousarray(a))");
        }
        Header h = new Header(path, major, dtype, shape, offset);
        if (h.dataBytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(path + ": shape " + h.shapeText() + " of " + dtype.descr() + " is "
                    + h.dataBytes() + " bytes, more than one array can hold here");
        }
        return h;
    }

    private static DType dtype(Path path, Object descr) {
        if (!(descr instanceof String s)) {
            throw new IllegalArgumentException(path + ": NPY dtype " + descr + " is a structured or nested type;"
                    + " expected one of " + SUPPORTED);
        }
        for (DType t : DType.values()) {
            if (t.descr.equals(s) || (t.size == 1 && s.length() == 3 && "<>=|".indexOf(s.charAt(0)) >= 0
                    && s.substring(1).equals(t.descr.substring(1)))) {
                return t;
            }
        }
        if (s.length() > 1 && s.substring(1).startsWith("O")) {
            throw new IllegalArgumentException(path + ": dtype '" + s + "' holds pickled Python objects, which are"
                    + " never unpickled (arbitrary code, and not numeric data); expected a numeric array, one of "
                    + SUPPORTED);
        }
        if (s.startsWith(">")) {
            throw new IllegalArgumentException(path + ": big-endian dtype '" + s + "'; expected little-endian, one"
                    + " of " + SUPPORTED + ": re-save it with a.astype(a.dtype.newbyteorder('<'))");
        }
        throw new IllegalArgumentException(path + ": dtype '" + s + "' is not supported; expected one of "
                + SUPPORTED);
    }

    private static long[] shape(Path path, Object shape) {
        if (!(shape instanceof Tuple t)) {
            throw new IllegalArgumentException(path + ": NPY shape " + shape + " is not a tuple of sizes");
        }
        long[] s = new long[t.items.size()];
        for (int i = 0; i < s.length; i++) {
            if (!(t.items.get(i) instanceof Long d) || d < 0) {
                throw new IllegalArgumentException(path + ": NPY shape " + t + " has an item that is not a size");
            }
            s[i] = d;
        }
        return s;
    }

    /**
     * Writes a C-ordered little-endian array in format 1.0 (2.0 if its header needs more than
     * 65,535 bytes), padded as NumPy pads it, so that {@code np.load} reads it back.
     *
     * @param path the file, replaced if it exists
     * @param dtype the item type
     * @param shape the shape
     * @param values {@code prod(shape)} values in C order (converted to the dtype: truncated
     *     towards zero for integers, nonzero is true for bool)
     * @throws IllegalArgumentException if the values do not fill the shape
     * @throws UncheckedIOException when the file cannot be written
     */
    public static void write(Path path, DType dtype, long[] shape, double[] values) {
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        if (count != values.length) {
            throw new IllegalArgumentException("shape " + tuple(shape) + " needs " + count + " values, not "
                    + values.length);
        }
        ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(count * dtype.size)).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            switch (dtype) {
                case FLOAT32 -> data.putFloat((float) v);
                case FLOAT64 -> data.putDouble(v);
                case INT64 -> data.putLong((long) v);
                case INT32 -> data.putInt((int) v);
                case UINT8 -> data.put((byte) (int) v);
                case BOOL -> data.put((byte) (v != 0 ? 1 : 0));
            }
        }
        String dict = "{'descr': '" + dtype.descr + "', 'fortran_order': False, 'shape': " + tuple(shape) + ", }";
        int major = dict.length() + 1 + 10 > 0xffff ? 2 : 1;
        int prefix = major == 1 ? 10 : 12;
        int padded = ((prefix + dict.length() + 1 + ALIGN - 1) / ALIGN) * ALIGN - prefix;
        StringBuilder text = new StringBuilder(dict);
        while (text.length() < padded - 1) {
            text.append(' ');
        }
        text.append('\n');
        byte[] h = text.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer head = ByteBuffer.allocate(prefix).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            head.putShort((short) h.length);
        } else {
            head.putInt(h.length);
        }
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                head.flip();
                data.flip();
                for (ByteBuffer b : new ByteBuffer[] {head, ByteBuffer.wrap(h), data}) {
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** A shape as Python writes a tuple. */
    static String tuple(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            b.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return b.append(')').toString();
    }

    private static String hex(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (byte x : bytes) {
            b.append(String.format("%02x ", x & 0xff));
        }
        return bytes.length == 0 ? "nothing" : "bytes " + b.toString().trim();
    }

    private static String quote(String dict) {
        String s = dict.strip();
        return "'" + (s.length() > 200 ? s.substring(0, 200) + "..." : s) + "'";
    }

    /** A Python tuple in a header. */
    private record Tuple(List<Object> items) {
        @Override
        public String toString() {
            return items.toString().replace('[', '(').replace(']', ')');
        }
    }

    /**
     * The Python literals an NPY header uses: a dict of string keys, strings, {@code True},
     * {@code False}, {@code None}, integers (a legacy {@code L} suffix allowed), tuples and lists.
     */
    private static final class Literal {
        private final String s;
        private int at;

        Literal(String s) {
            this.s = s;
        }

        Object parseWhole() {
            Object v = value();
            skipSpace();
            if (at != s.length()) {
                throw new IllegalArgumentException("unexpected text after the dict at character " + at);
            }
            return v;
        }

        private void skipSpace() {
            while (at < s.length() && Character.isWhitespace(s.charAt(at))) {
                at++;
            }
        }

        private char peek() {
            skipSpace();
            if (at >= s.length()) {
                throw new IllegalArgumentException("it ends early");
            }
            return s.charAt(at);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw new IllegalArgumentException("expected '" + c + "' at character " + at + ", found '"
                        + s.charAt(at) + "'");
            }
            at++;
        }

        private Object value() {
            char c = peek();
            if (c == '{') {
                return dict();
            }
            if (c == '(' || c == '[') {
                return sequence(c);
            }
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '-' || Character.isDigit(c)) {
                return integer();
            }
            if (Character.isLetter(c)) {
                int from = at;
                while (at < s.length() && Character.isLetterOrDigit(s.charAt(at))) {
                    at++;
                }
                String word = s.substring(from, at);
                return switch (word) {
                    case "True" -> Boolean.TRUE;
                    case "False" -> Boolean.FALSE;
                    case "None" -> NONE;
                    default -> throw new IllegalArgumentException("unexpected name '" + word + "'");
                };
            }
            throw new IllegalArgumentException("unexpected '" + c + "' at character " + at);
        }

        private static final Object NONE = new Object() {
            @Override
            public String toString() {
                return "None";
            }
        };

        private Map<String, Object> dict() {
            expect('{');
            Map<String, Object> m = new LinkedHashMap<>();
            while (peek() != '}') {
                Object key = value();
                if (!(key instanceof String k)) {
                    throw new IllegalArgumentException("a dict key is not a string: " + key);
                }
                expect(':');
                if (m.put(k, value()) != null) {
                    throw new IllegalArgumentException("the key '" + k + "' appears twice");
                }
                if (peek() == ',') {
                    at++;
                } else if (peek() != '}') {
                    throw new IllegalArgumentException("expected ',' or '}' at character " + at);
                }
            }
            at++;
            return m;
        }

        private Object sequence(char open) {
            char close = open == '(' ? ')' : ']';
            at++;
            List<Object> items = new ArrayList<>();
            boolean comma = false;
            while (peek() != close) {
                items.add(value());
                comma = false;
                if (peek() == ',') {
                    at++;
                    comma = true;
                } else if (peek() != close) {
                    throw new IllegalArgumentException("expected ',' or '" + close + "' at character " + at);
                }
            }
            at++;
            if (open == '(' && items.size() == 1 && !comma) {
                return items.get(0); // (x) is x in Python, not a tuple
            }
            return open == '(' ? new Tuple(items) : items;
        }

        private String string() {
            char q = s.charAt(at++);
            StringBuilder b = new StringBuilder();
            while (at < s.length() && s.charAt(at) != q) {
                char c = s.charAt(at++);
                if (c == '\\' && at < s.length()) {
                    c = s.charAt(at++);
                }
                b.append(c);
            }
            if (at >= s.length()) {
                throw new IllegalArgumentException("a string is not closed");
            }
            at++;
            return b.toString();
        }

        private Long integer() {
            int from = at;
            if (s.charAt(at) == '-') {
                at++;
            }
            while (at < s.length() && Character.isDigit(s.charAt(at))) {
                at++;
            }
            String digits = s.substring(from, at);
            if (at < s.length() && (s.charAt(at) == 'L' || s.charAt(at) == 'l')) {
                at++; // Python 2's long suffix, as old NumPy versions wrote it
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + digits + "' is not an integer");
            }
        }
    }
}
