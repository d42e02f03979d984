package dev.meta4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.meta4j.api.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The Lee19 augmentation: PIL's brightness, contrast and saturation blends to the bit (Pillow 9.4
 * goldens), the crop's zero padding and offsets, the flip, and determinism.
 */
class Lee19AugmentationTest {

    private static byte[] enhance(int op, byte[] px, float f) {
        byte[] out = px.clone();
        switch (op) {
            case 0 -> Lee19Augmentation.blend(out, null, 0, f);
            case 1 -> Lee19Augmentation.blend(out, null, Lee19Augmentation.meanGrey(out, 3), f);
            default -> Lee19Augmentation.blend(out, Lee19Augmentation.grey(out), 0, f);
        }
        return out;
    }

    @Test
    void jitterOperationsArePilsImageEnhance() {
        byte[] small = Golden.colour(8, 6);
        String[] names = {"brightness", "contrast", "saturation"};
        for (int op = 0; op < 3; op++) {
            for (float f : new float[] {0.65f, 1.35f}) {
                String key = String.format("%s-%.2f", names[op], f);
                assertArrayEquals(Golden.bytes(key), enhance(op, small, f), key);
            }
        }
    }

    @Test
    void cropPadsWithZerosAndShiftsWithinThePadding() {
        int side = 6;
        byte[] px = new byte[side * side];
        Arrays.fill(px, (byte) 200);
        Lee19Augmentation crop = new Lee19Augmentation(2, 0, 0, 0, false);
        boolean shifted = false;
        for (int seed = 0; seed < 40; seed++) {
            byte[] out = crop.apply(px, side, side, 1, new Rng(seed));
            int zeros = 0;
            for (byte b : out) {
                zeros += b == 0 ? 1 : 0;
                assertEquals(true, b == 0 || b == (byte) 200);
            }
            // a shift of at most 2 rows and 2 columns leaves at least (6-2)^2 pixels of the image
            assertEquals(true, side * side - zeros >= 16, "shift within the padding");
            shifted |= zeros > 0;
        }
        assertEquals(true, shifted);
    }

    @Test
    void flipMirrorsRowsAboutHalfTheTime() {
        byte[] px = {1, 2, 3, 4, 5, 6};
        Lee19Augmentation flip = new Lee19Augmentation(0, 0, 0, 0, true);
        int flipped = 0;
        for (int seed = 0; seed < 400; seed++) {
            byte[] out = flip.apply(px, 3, 2, 1, new Rng(seed));
            if (Arrays.equals(out, new byte[] {3, 2, 1, 6, 5, 4})) {
                flipped++;
            } else {
                assertArrayEquals(px, out);
            }
        }
        assertEquals(200, flipped, 40);
    }

    @Test
    void sameGeneratorSameImage() {
        byte[] px = Golden.colour(10, 10);
        Lee19Augmentation a = new Lee19Augmentation(3, 0.4, 0.4, 0.4, true);
        byte[] x = a.apply(px, 10, 10, 3, new Rng(4));
        assertArrayEquals(x, a.apply(px, 10, 10, 3, new Rng(4)));
        assertFalse(Arrays.equals(x, a.apply(px, 10, 10, 3, new Rng(5))));
        assertArrayEquals(Golden.colour(10, 10), px, "the input is not modified");
    }
}
