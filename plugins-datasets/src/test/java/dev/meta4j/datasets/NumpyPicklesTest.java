package dev.meta4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * numpy arrays from real pickles (numpy 1 and 2, protocols 2, 4 and 5, made by {@code
 * scripts/reference/fewshot_golden.py}) and from Python 2 style pickles ({@link PickleWriter}).
 */
class NumpyPicklesTest {

    @TempDir Path tmp;

    private Object load(String resource) throws IOException {
        Path f = tmp.resolve(resource);
        try (InputStream in = getClass().getResourceAsStream(resource)) {
            Files.write(f, in.readAllBytes());
        }
        return NumpyPickles.load(f);
    }

    @ParameterizedTest
    @ValueSource(strings = {"numpy-np1-p2.pkl", "numpy-np1-p4.pkl", "numpy-np1-p5.pkl", "numpy-np2-p2.pkl",
        "numpy-np2-p4.pkl", "numpy-np2-p5.pkl"})
    void realNumpyPicklesOfEveryProtocol(String resource) throws IOException {
        Path f = tmp.resolve(resource);
        Map<?, ?> m = NumpyPickles.dict(load(resource), f, "a dict");
        NumpyPickles.NdArray a = NumpyPickles.uint8(NumpyPickles.entry(m, "image_data", f, "x"), f, "image_data", 4);
        assertArrayEquals(new int[] {3, 4, 5, 3}, a.shape());
        for (int i = 0; i < 180; i++) {
            assertEquals((byte) i, a.data()[i]);
        }
        Map<?, ?> classes = NumpyPickles.dict(NumpyPickles.entry(m, "class_dict", f, "x"), f, "x");
        assertArrayEquals(new long[] {0, 2}, NumpyPickles.integers(classes.get("n01"), f, "n01"));
        assertArrayEquals(new long[] {7, -3, 1L << 40}, NumpyPickles.integers(NumpyPickles.entry(m, "labels", f, "x"), f, "l"));
        assertArrayEquals(new long[] {1, 2, 3}, NumpyPickles.integers(NumpyPickles.entry(m, "small", f, "x"), f, "s"),
                "big-endian int16");
    }

    @Test
    void python2PicklesWithStrData() {
        Path f = tmp.resolve("py2.pkl");
        byte[] data = new byte[300];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        PickleWriter.write(f, Map.of("data", PickleWriter.Array.uint8(data, 2, 5, 10, 3), "labels", List.of(3, 4),
                "names", List.of("a", "b")));
        Map<?, ?> m = NumpyPickles.dict(NumpyPickles.load(f), f, "x");
        NumpyPickles.NdArray a = NumpyPickles.uint8(NumpyPickles.entry(m, "data", f, "x"), f, "data", 4);
        assertArrayEquals(data, a.data(), "every byte value survives the Python 2 str");
        assertEquals(List.of("a", "b"), NumpyPickles.strings(NumpyPickles.entry(m, "names", f, "x"), f, "names"));
    }

    @Test
    void wrongStructuresAreNamed() {
        Path f = tmp.resolve("wrong.pkl");
        PickleWriter.write(f, List.of(1, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NumpyPickles.dict(NumpyPickles.load(f), f, "learn2learn's dict"));
        assertTrue(e.getMessage().contains("wrong.pkl: expected learn2learn's dict, found a list of 2"), e.getMessage());
        PickleWriter.write(f, Map.of("data", new PickleWriter.Array("i8", new int[] {1}, new byte[8])));
        Map<?, ?> m = NumpyPickles.dict(NumpyPickles.load(f), f, "x");
        e = assertThrows(IllegalArgumentException.class, () -> NumpyPickles.uint8(m.get("data"), f, "data", 1));
        assertTrue(e.getMessage().contains("'data' is a <i8 array [1]; expected a uint8 array"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NumpyPickles.load(tmp.resolve("absent.pkl")));
        assertTrue(e.getMessage().contains("absent.pkl does not exist"), e.getMessage());
    }
}
