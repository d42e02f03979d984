package dev.meta4j.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;

/**
 * JPEG and PNG decoding: CMYK JPEGs and grey JPEGs come out as the right RGB, grey samples are not gamma-shifted, and unreadable bytes are an error naming the file.
 */
class ImageDecoderTest {

    /** CMYK quadrants: white, black (K), cyan, yellow; 32×32 each. */
    private static final int[][] CMYK = {{0, 0, 0, 0}, {0, 0, 0, 255}, {255, 0, 0, 0}, {0, 0, 255, 0}};

    /**
     * A four-channel JPEG with an Adobe APP14 marker, as Photoshop writes CMYK: a 4-band raster
     * through the JDK's writer, its samples stored inverted (Adobe's convention), and the marker.
     */
    static byte[] cmykJpeg() throws Exception {
        WritableRaster r = Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, 64, 64, 4, null);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                int[] c = CMYK[(y / 32) * 2 + x / 32];
                for (int k = 0; k < 4; k++) {
                    r.setSample(x, y, k, 255 - c[k]);
                }
            }
        }
        ImageWriter w = jdkWriter();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            w.setOutput(out);
            w.write(null, new IIOImage(r, null, null), null);
        } finally {
            w.dispose();
        }
        return withAdobeMarker(bytes.toByteArray());
    }

    /**
     * Inserts an Adobe APP14 segment (transform 0: CMYK, no colour transform) after SOI. The JDK's
     * writer writes four raw channels but no marker, and without it readers guess the colour space.
     */
    private static byte[] withAdobeMarker(byte[] jpeg) {
        byte[] app14 = {(byte) 0xff, (byte) 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
        byte[] out = new byte[jpeg.length + app14.length];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(app14, 0, out, 2, app14.length);
        System.arraycopy(jpeg, 2, out, 2 + app14.length, jpeg.length - 2);
        return out;
    }

    private static ImageWriter jdkWriter() {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
        while (it.hasNext()) {
            ImageWriter w = it.next();
            if (w.getClass().getName().equals("com.sun.imageio.plugins.jpeg.JPEGImageWriter")) {
                return w;
            }
        }
        throw new IllegalStateException("no JDK JPEG writer");
    }

    private static int[] rgbAt(ImageDecoder.Image im, int x, int y) {
        int at = (y * im.width() + x) * 3;
        return new int[] {im.pixels()[at] & 0xff, im.pixels()[at + 1] & 0xff, im.pixels()[at + 2] & 0xff};
    }

    @Test
    void cmykJpegDecodesToTheRightColours() throws Exception {
        byte[] jpeg = cmykJpeg();
        assertTrue(new String(jpeg, java.nio.charset.StandardCharsets.ISO_8859_1).contains("Adobe"), "an Adobe APP14 marker");
        ImageDecoder.Image im = ImageDecoder.decode(jpeg, "cmyk.jpg", 3);
        assertEquals(64, im.width());
        int[] white = rgbAt(im, 16, 16);
        int[] black = rgbAt(im, 48, 16);
        int[] cyan = rgbAt(im, 16, 48);
        int[] yellow = rgbAt(im, 48, 48);
        String all = java.util.Arrays.toString(white) + java.util.Arrays.toString(black) + java.util.Arrays.toString(cyan)
                + java.util.Arrays.toString(yellow);
        assertTrue(white[0] > 220 && white[1] > 220 && white[2] > 220, "white: " + all);
        assertTrue(black[0] < 80 && black[1] < 80 && black[2] < 80, "black: " + all);
        assertTrue(cyan[0] < 90 && cyan[1] > 120 && cyan[2] > 180, "cyan: " + all);
        assertTrue(yellow[0] > 200 && yellow[1] > 200 && yellow[2] < 90, "yellow: " + all);
        ImageDecoder.Image grey = ImageDecoder.decode(jpeg, "cmyk.jpg", 1);
        int g = grey.pixels()[16 * 64 + 16] & 0xff;
        assertEquals(ImageDecoder.luma(white[0], white[1], white[2]), g, 1, "grey is PIL's luma of the RGB");
    }

    @Test
    void greyJpegKeepsItsSamples() {
        BufferedImage grey = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                grey.getRaster().setSample(x, y, 0, x < 32 ? 128 : 40 + 2 * y);
            }
        }
        byte[] jpeg = FewShotFixtures.encode(grey, "jpg");
        ImageDecoder.Image rgb = ImageDecoder.decode(jpeg, "grey.jpg", 3);
        ImageDecoder.Image one = ImageDecoder.decode(jpeg, "grey.jpg", 1);
        for (int y = 2; y < 62; y += 5) {
            for (int x = 2; x < 62; x += 5) {
                int want = x < 32 ? 128 : 40 + 2 * y;
                int[] px = rgbAt(rgb, x, y);
                assertEquals(want, px[0], 4, "grey sample at " + x + "," + y + " (Java's getRGB would give 186 for 128)");
                assertEquals(px[0], px[1]);
                assertEquals(px[0], px[2]);
                assertEquals(px[0], one.pixels()[y * 64 + x] & 0xff);
            }
        }
    }

    @Test
    void pngsDecodeExactly() {
        BufferedImage rgb = FewShotFixtures.solid(5, 3, 2);
        ImageDecoder.Image im = ImageDecoder.decode(FewShotFixtures.encode(rgb, "png"), "x.png", 3);
        assertEquals(FewShotFixtures.red(3), im.pixels()[0] & 0xff);
        assertEquals(FewShotFixtures.green(3), im.pixels()[1] & 0xff);
        assertEquals(FewShotFixtures.blue(2), im.pixels()[2] & 0xff);
        BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(1, 0, 0, 128);
        assertEquals(128, ImageDecoder.decode(FewShotFixtures.encode(grey, "png"), "g.png", 1).pixels()[1] & 0xff);
    }

    @Test
    void unreadableBytesNameTheFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageDecoder.decode("hello".getBytes(), "/data/x.jpg", 3));
        assertTrue(e.getMessage().startsWith("/data/x.jpg: not a readable PNG or JPEG"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageDecoder.decode(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0, 1}, "/data/y.jpg", 3));
        assertTrue(e.getMessage().startsWith("/data/y.jpg: not a readable PNG or JPEG"), e.getMessage());
    }
}
