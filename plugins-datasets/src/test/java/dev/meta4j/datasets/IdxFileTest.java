package dev.meta4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The IDX reader on files written by the test, plain and gzipped. */
class IdxFileTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "gzipped = {0}")
    @ValueSource(booleans = {false, true})
    void readsImagesAndLabelsBackExactly(boolean gz) throws Exception {
        Random r = new Random(1);
        byte[] images = IdxFixtures.random(r, 7 * 28 * 28);
        byte[] labels = IdxFixtures.labels(r, 7);
        Path pi = IdxFixtures.write(dir.resolve("i" + (gz ? ".gz" : "")), IdxFixtures.idx(new int[] {7, 28, 28}, images), gz);
        Path pl = IdxFixtures.write(dir.resolve("l" + (gz ? ".gz" : "")), IdxFixtures.idx(new int[] {7}, labels), gz);
        if (gz) {
            byte[] head = Arrays.copyOf(Files.readAllBytes(pi), 2);
            assertArrayEquals(new byte[] {0x1f, (byte) 0x8b}, head, "the fixture really is gzipped");
        }

        IdxFile fi = IdxFile.read(pi, 3);
        assertArrayEquals(new int[] {7, 28, 28}, fi.dims());
        assertEquals(7, fi.count());
        assertEquals(784, fi.itemSize());
        assertArrayEquals(images, fi.data());
        assertTrue(images[0] != 0 || images[1] != 0, "fixture is not all zeros");

        IdxFile fl = IdxFile.read(pl, 1);
        assertArrayEquals(new int[] {7}, fl.dims());
        assertArrayEquals(labels, fl.data());
    }

    @Test
    void readsEmptyAndOddShapes() {
        Path p = IdxFixtures.write(dir.resolve("odd"), IdxFixtures.idx(new int[] {2, 3, 5}, new byte[] {
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, (byte) 255, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
            28, 29}), false);
        IdxFile f = IdxFile.read(p, 3);
        assertArrayEquals(new int[] {2, 3, 5}, f.dims());
        assertEquals(255, f.data()[15] & 0xff);
        Path empty = IdxFixtures.write(dir.resolve("empty"), IdxFixtures.idx(new int[] {0}, new byte[0]), false);
        assertEquals(0, IdxFile.read(empty, 1).count());
    }

    @Test
    void locatePrefersGzipAndAcceptsPlain() {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        byte[] bytes = IdxFixtures.idx(new int[] {1}, new byte[] {3});
        IdxFixtures.write(mkdir(a).resolve("x-idx1-ubyte"), bytes, false);
        assertEquals(a.resolve("x-idx1-ubyte"), IdxFile.locate(a, "x-idx1-ubyte"));
        IdxFixtures.write(a.resolve("x-idx1-ubyte.gz"), bytes, true);
        assertEquals(a.resolve("x-idx1-ubyte.gz"), IdxFile.locate(a, "x-idx1-ubyte"));
        IdxFixtures.write(mkdir(b).resolve("x-idx1-ubyte.gz"), bytes, true);
        assertEquals(b.resolve("x-idx1-ubyte.gz"), IdxFile.locate(b, "x-idx1-ubyte"));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IdxFile.locate(b, "y-idx3-ubyte"));
        assertTrue(e.getMessage().contains(b.resolve("y-idx3-ubyte.gz").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(b.resolve("y-idx3-ubyte").toString()), e.getMessage());
    }

    @ParameterizedTest(name = "gzipped = {0}")
    @ValueSource(booleans = {false, true})
    void wrongMagicNamesTheFileAndTheExpectedMagic(boolean gz) {
        // a label file where images are expected
        Path labels = IdxFixtures.write(dir.resolve("labels" + (gz ? ".gz" : "")),
                IdxFixtures.idx(new int[] {4}, new byte[4]), gz);
        String m = assertThrows(IllegalArgumentException.class, () -> IdxFile.read(labels, 3)).getMessage();
        assertTrue(m.contains(labels.toString()), m);
        assertTrue(m.contains("magic") && m.contains("0x00000801") && m.contains("0x00000803"), m);
        assertTrue(m.contains("1 dimension"), m);

        // not IDX at all (float type 0x0D)
        byte[] floats = IdxFixtures.idx(new int[] {4}, new byte[4]);
        floats[2] = 0x0D;
        Path f = IdxFixtures.write(dir.resolve("floats" + (gz ? ".gz" : "")), floats, gz);
        m = assertThrows(IllegalArgumentException.class, () -> IdxFile.read(f, 1)).getMessage();
        assertTrue(m.contains(f.toString()) && m.contains("not an IDX file of unsigned bytes"), m);
    }

    @Test
    void plainFileNamedGzIsReportedAsNotGzip() {
        Path p = IdxFixtures.write(dir.resolve("fake.gz"), IdxFixtures.idx(new int[] {1}, new byte[1]), false);
        String m = assertThrows(IllegalArgumentException.class, () -> IdxFile.read(p, 1)).getMessage();
        assertTrue(m.contains(p.toString()) && m.contains("gzip"), m);
    }

    @ParameterizedTest(name = "gzipped = {0}")
    @ValueSource(booleans = {false, true})
    void truncatedDataNamesTheFileAndTheCounts(boolean gz) {
        byte[] full = IdxFixtures.idx(new int[] {5, 28, 28}, new byte[5 * 784]);
        Path p = IdxFixtures.write(dir.resolve("cut" + (gz ? ".gz" : "")), Arrays.copyOf(full, full.length - 400), gz);
        String m = assertThrows(IllegalArgumentException.class, () -> IdxFile.read(p, 3)).getMessage();
        assertTrue(m.contains(p.toString()) && m.contains("truncated"), m);
        assertTrue(m.contains("[5, 28, 28]") && m.contains("3920") && m.contains("3520"), m);
    }

    @Test
    void truncatedHeaderAndEmptyFile() {
        Path header = IdxFixtures.write(dir.resolve("header"), Arrays.copyOf(
                IdxFixtures.idx(new int[] {5, 28, 28}, new byte[0]), 10), false);
        String m = assertThrows(IllegalArgumentException.class, () -> IdxFile.read(header, 3)).getMessage();
        assertTrue(m.contains(header.toString()) && m.contains("truncated header"), m);
        Path empty = IdxFixtures.write(dir.resolve("empty"), new byte[0], false);
        m = assertThrows(IllegalArgumentException.class, () -> IdxFile.read(empty, 3)).getMessage();
        assertTrue(m.contains(empty.toString()) && m.contains("truncated"), m);
    }

    @Test
    void cutGzipStreamNamesTheFile() throws Exception {
        Random r = new Random(2);
        byte[] gz = IdxFixtures.gzip(IdxFixtures.idx(new int[] {3, 28, 28}, IdxFixtures.random(r, 3 * 784)));
        Path p = dir.resolve("cut.gz");
        Files.write(p, Arrays.copyOf(gz, gz.length / 2));
        String m = assertThrows(IllegalArgumentException.class, () -> IdxFile.read(p, 3)).getMessage();
        assertTrue(m.contains(p.toString()) && m.contains("truncated"), m);
    }

    @Test
    void trailingBytesAreACountMismatch() {
        // header says 3 labels, 4 follow
        byte[] b = ByteBuffer.allocate(12).putInt(0x801).putInt(3).put(new byte[] {1, 2, 3, 4}).array();
        Path p = IdxFixtures.write(dir.resolve("long"), b, false);
        String m = assertThrows(IllegalArgumentException.class, () -> IdxFile.read(p, 1)).getMessage();
        assertTrue(m.contains(p.toString()) && m.contains("1 unexpected byte(s)") && m.contains("[3]"), m);
    }

    private static Path mkdir(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
