package dev.meta4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** {@link LanczosResize} against Pillow 9.4's {@code Image.resize(size, Image.LANCZOS)}, to the bit. */
class LanczosResizeTest {

    @Test
    void omniglotGlyphTo28MatchesPil() {
        assertArrayEquals(Golden.bytes("glyph28"), LanczosResize.resize(Golden.glyph(), 105, 105, 1, 28, 28));
    }

    @Test
    void rgbUpAndDownMatchPil() {
        byte[] c = Golden.colour(50, 37);
        assertArrayEquals(Golden.bytes("colour84"), LanczosResize.resize(c, 50, 37, 3, 84, 84));
        assertArrayEquals(Golden.bytes("colour20x16"), LanczosResize.resize(c, 50, 37, 3, 20, 16));
    }

    @Test
    void theSameSizeIsLeftAlone() {
        byte[] c = Golden.colour(4, 4);
        assertSame(c, LanczosResize.resize(c, 4, 4, 3, 4, 4));
    }
}
