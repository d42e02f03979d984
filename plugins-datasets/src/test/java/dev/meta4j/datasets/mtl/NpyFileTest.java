package dev.meta4j.datasets.mtl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The NPY reader: files NumPy wrote, files the tests write, and every input it must refuse. */
class NpyFileTest {

    @TempDir
    Path dir;

    static List<JsonObject> numpyCases() throws Exception {
        try (InputStream in = NpyFileTest.class.getResourceAsStream("/golden/npy-numpy.json")) {
            JsonObject root = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
            List<JsonObject> cases = new ArrayList<>();
            for (JsonElement e : root.getAsJsonArray("cases")) {
                cases.add(e.getAsJsonObject());
            }
            return cases;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("numpyCases")
    void readsWhatNumpyWritesAndRefusesWhatItMust(JsonObject c) {
        Path p = MtlFixtures.write(dir.resolve(c.get("name").getAsString() + ".npy"),
                Base64.getDecoder().decode(c.get("npy").getAsString()));
        if (c.has("error")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NpyFile.read(p));
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(c.get("error").getAsString()), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> NpyFile.readHeader(p), "the header alone says so");
            return;
        }
        NpyFile f = NpyFile.read(p);
        JsonArray shape = c.getAsJsonArray("shape");
        long[] expected = new long[shape.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = shape.get(i).getAsLong();
        }
        assertArrayEquals(expected, f.header().shape());
        assertEquals(c.get("descr").getAsString(), f.header().dtype().descr());
        JsonArray values = c.getAsJsonArray("values");
        double[] got = new double[f.count()];
        f.copyTo(got);
        assertEquals(values.size(), got.length);
        for (int i = 0; i < got.length; i++) {
            assertEquals(values.get(i).getAsDouble(), got[i], 0.0, "value " + i);
            assertEquals(got[i], f.get(i), 0.0);
        }
        assertEquals(f.header(), NpyFile.readHeader(p));
    }

    @Test
    void readsEveryDtypeInEveryVersion() {
        double[] v = {0, 1, 255, 7, 3, 1};
        for (int major = 1; major <= 3; major++) {
            for (String descr : List.of("<f4", "<f8", "<i8", "<i4", "|u1", "|b1")) {
                Path p = MtlFixtures.npy(dir.resolve(descr.substring(1) + "-" + major + ".npy"), descr,
                        new long[] {2, 3}, v, major);
                NpyFile f = NpyFile.read(p);
                assertEquals(major, f.header().major());
                assertEquals(descr, f.header().dtype().descr());
                assertArrayEquals(new long[] {2, 3}, f.header().shape());
                double[] got = new double[6];
                f.copyTo(got);
                double[] want = descr.equals("|b1") ? new double[] {0, 1, 1, 1, 1, 1} : v;
                assertArrayEquals(want, got, 0.0, descr + " v" + major);
            }
        }
    }

    @Test
    void acceptsAnyKeyOrderQuotesAndSpacingOfAValidDict() {
        byte[] data = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(1.5f)
                .putFloat(-2f).array();
        Path p = MtlFixtures.rawNpy(dir.resolve("order.npy"), 1,
                "{\"shape\":(2,),\"fortran_order\":False,  'descr':\"<f4\"}", data);
        NpyFile f = NpyFile.read(p);
        assertArrayEquals(new long[] {2}, f.header().shape());
        assertEquals(-2.0, f.get(1), 0.0);
        Path legacy = MtlFixtures.rawNpy(dir.resolve("legacy.npy"), 1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (1L, 2L), }", data);
        assertArrayEquals(new long[] {1, 2}, NpyFile.readHeader(legacy).shape(), "Python 2's long suffix");
    }

    @Test
    void writerOutputIsReadBackAndAligned() throws Exception {
        Path p = dir.resolve("w.npy");
        double[] v = {1.25, -3, 0.5, 8, 9, 10};
        NpyFile.write(p, NpyFile.DType.FLOAT64, new long[] {3, 2}, v);
        NpyFile f = NpyFile.read(p);
        assertEquals(0, f.header().dataOffset() % 64, "data starts at a 64-byte boundary, as NumPy writes it");
        double[] got = new double[6];
        f.copyTo(got);
        assertArrayEquals(v, got, 0.0);
        assertEquals(f.header().dataOffset() + 48, Files.size(p));
        NpyFile.write(p, NpyFile.DType.INT64, new long[] {2}, new double[] {-1, 12});
        assertEquals(-1.0, NpyFile.read(p).get(0), 0.0, "rewriting replaces the file");
    }

    private void refused(Path p, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NpyFile.read(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void truncatedAndOverlongFilesNameWhatTheHeaderPromised() throws Exception {
        Path good = MtlFixtures.npy(dir.resolve("g.npy"), "<f4", new long[] {4, 5}, new double[20]);
        byte[] all = Files.readAllBytes(good);
        Path cut = MtlFixtures.write(dir.resolve("cut.npy"), Arrays.copyOf(all, all.length - 7));
        refused(cut, "truncated", "shape (4, 5)", "80 bytes of data", "only 73 follow");
        Path longer = MtlFixtures.write(dir.resolve("long.npy"), Arrays.copyOf(all, all.length + 3));
        refused(longer, "3 unexpected byte(s)");
        refused(MtlFixtures.write(dir.resolve("head.npy"), Arrays.copyOf(all, 30)), "truncated NPY header");
        refused(MtlFixtures.write(dir.resolve("tiny.npy"), Arrays.copyOf(all, 7)), "truncated NPY header");
        refused(MtlFixtures.write(dir.resolve("empty.npy"), new byte[0]), "not an NPY file", "nothing");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NpyFile.readHeader(cut));
        assertTrue(e.getMessage().contains("truncated"), "the header check alone finds a truncated file");
    }

    @Test
    void refusesWhatItCannotReadNamingTheFileAndTheFix() {
        byte[] d = new byte[24];
        refused(MtlFixtures.rawNpy(dir.resolve("f.npy"), 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", d),
                "Fortran order", "expected C order", "ascontiguousarray");
        refused(MtlFixtures.rawNpy(dir.resolve("be.npy"), 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }", d),
                "big-endian dtype '>f4'", "expected little-endian");
        refused(MtlFixtures.rawNpy(dir.resolve("o.npy"), 1, "{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", d),
                "'|O'", "pickled Python objects", "never unpickled");
        refused(MtlFixtures.rawNpy(dir.resolve("h.npy"), 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (12,), }", d),
                "'<f2' is not supported", NpyFile.SUPPORTED);
        refused(MtlFixtures.rawNpy(dir.resolve("s.npy"), 1,
                "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (6,), }", d), "structured");
        refused(MtlFixtures.rawNpy(dir.resolve("k.npy"), 1, "{'descr': '<f4', 'shape': (6,), }", d),
                "expected exactly 'descr', 'fortran_order' and 'shape'");
        refused(MtlFixtures.rawNpy(dir.resolve("m.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6, }", d),
                "malformed NPY header");
        refused(MtlFixtures.rawNpy(dir.resolve("n.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-6,), }", d),
                "not a size");
        Path version = MtlFixtures.rawNpy(dir.resolve("v4.npy"), 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", d);
        byte[] bytes = readAll(version);
        bytes[6] = 4;
        refused(MtlFixtures.write(version, bytes), "version 4.0 is not supported", "1.0, 2.0 or 3.0");
        refused(MtlFixtures.write(dir.resolve("idx.npy"), new byte[] {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1}),
                "not an NPY file", "00 00 08 03");
        refused(dir.resolve("absent.npy"), "no such file");
    }

    private static byte[] readAll(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
