package dev.meta4j.datasets;

import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes PNG and JPEG files into 8-bit pixels, grey (one channel) or RGB (three), interleaved
 * row-major ({@code [H, W, C]}): what the few-shot image datasets read.
 *
 * <p>JPEGs go through TwelveMonkeys' {@code imageio-jpeg} reader, registered here explicitly so that
 * it is used even when this plugin's jar is loaded by a class loader that {@code ImageIO} does not
 * scan. ImageNet has a few CMYK JPEGs; the JDK's reader handles such files only partly, depending
 * on the JDK and the file (JDK 17 reads a plain Adobe CMYK file with a naive conversion, as an image
 * of type {@code TYPE_CUSTOM}, and has long refused YCCK and CMYK files with ICC profiles:
 * "Unsupported Image Type"); TwelveMonkeys converts them to RGB through their embedded ICC profile,
 * or a default CMYK profile when there is none. PIL, which the Python loaders use, converts CMYK
 * naively ({@code 255 - min(255, c + k)}), so on such files the two differ by up to tens of levels.
 * The format is taken from the file's first bytes, not its name (ImageNet also has a PNG named
 * {@code .JPEG}).
 *
 * <p>Channel conversion follows PIL, which the reference loaders use: grey from RGB is {@code L =
 * (19595 R + 38470 G + 7471 B + 2^15) >> 16} ({@code Image.convert("L")}, ITU-R 601-2 luma), RGB
 * from grey repeats the value. A grey raster's samples are taken as they are: Java's {@code
 * getRGB} would run them through the linear-grey to sRGB conversion of {@code TYPE_BYTE_GRAY}
 * and brighten every mid-tone (128 becomes 186), a trap for grey JPEGs and PNGs. 16-bit samples
 * keep their high byte. Palette and 1-bit images (Omniglot's PNGs) go through their colour model.
 */
final class ImageDecoder {

    static {
        // Registering runs the provider's onRegistration, which finds the JDK's reader to delegate
        // to and orders TwelveMonkeys' reader before it.
        IIORegistry.getDefaultInstance().registerServiceProvider(new JPEGImageReaderSpi());
    }

    /**
     * Decoded pixels.
     *
     * @param width columns
     * @param height rows
     * @param channels 1 (grey) or 3 (RGB)
     * @param pixels {@code height * width * channels} bytes, row-major, channels interleaved
     */
    record Image(int width, int height, int channels, byte[] pixels) {}

    private ImageDecoder() {}

    /**
     * Decodes a PNG or JPEG.
     *
     * @param bytes the file's contents
     * @param where the file (or archive entry, or pickle item) for error messages
     * @param channels 1 for grey, 3 for RGB
     * @return the pixels
     * @throws IllegalArgumentException naming {@code where} if the bytes are not a readable PNG or JPEG
     */
    static Image decode(byte[] bytes, String where, int channels) {
        BufferedImage image;
        try {
            image = read(bytes, where);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(where + ": not a readable PNG or JPEG image (" + e.getMessage() + ")", e);
        }
        return pixels(image, channels);
    }

    private static BufferedImage read(byte[] bytes, String where) throws IOException {
        boolean jpeg = bytes.length > 2 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8;
        boolean png = bytes.length > 8 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G';
        if (!jpeg && !png) {
            throw new IOException("the file starts with neither the PNG signature nor a JPEG SOI marker");
        }
        // ImageIO.createImageInputStream would buffer through a temporary file (ImageIO's disk cache
        // is on by default): one file per decoded image. The bytes are in memory already.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = jpeg ? jpegReader() : firstReader(in);
            try {
                reader.setInput(in, true, true);
                BufferedImage image = reader.read(0);
                if (image == null) {
                    throw new IOException("no image in the file");
                }
                return image;
            } finally {
                reader.dispose();
            }
        }
    }

    private static ImageReader jpegReader() throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
        while (readers.hasNext()) {
            ImageReader r = readers.next();
            if (r.getOriginatingProvider() instanceof JPEGImageReaderSpi) {
                return r;
            }
            r.dispose();
        }
        throw new IOException("the TwelveMonkeys JPEG reader is not registered");
    }

    private static ImageReader firstReader(ImageInputStream in) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new IOException("no image reader for this file");
        }
        return readers.next();
    }

    /**
     * The pixels of a decoded image, as PIL's {@code convert("L")} or {@code convert("RGB")}
     * would give them.
     *
     * @param image the image
     * @param channels 1 or 3
     * @return the pixels
     */
    static Image pixels(BufferedImage image, int channels) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        int bands = raster.getNumBands();
        boolean plain = cm instanceof ComponentColorModel
                && (raster.getTransferType() == DataBuffer.TYPE_BYTE || raster.getTransferType() == DataBuffer.TYPE_USHORT);
        int shift = raster.getTransferType() == DataBuffer.TYPE_USHORT ? 8 : 0;
        byte[] out = new byte[w * h * channels];
        int[] row = new int[w * Math.max(bands, 4)];
        int[] argb = new int[w];
        for (int y = 0; y < h; y++) {
            boolean grey;
            if (plain && (bands == 1 || bands == 2) && cm.getColorSpace().getNumComponents() == 1) {
                raster.getPixels(0, y, w, 1, row);
                grey = true;
            } else if (plain && (bands == 3 || bands == 4) && cm.getColorSpace().isCS_sRGB()) {
                raster.getPixels(0, y, w, 1, row);
                grey = false;
            } else {
                image.getRGB(0, y, w, 1, argb, 0, w);
                for (int x = 0; x < w; x++) {
                    row[3 * x] = (argb[x] >>> 16) & 0xff;
                    row[3 * x + 1] = (argb[x] >>> 8) & 0xff;
                    row[3 * x + 2] = argb[x] & 0xff;
                }
                bands = 3;
                shift = 0;
                grey = false;
            }
            for (int x = 0; x < w; x++) {
                int at = (y * w + x) * channels;
                if (grey) {
                    int v = row[x * bands] >>> shift;
                    for (int c = 0; c < channels; c++) {
                        out[at + c] = (byte) v;
                    }
                } else {
                    int r = row[x * bands] >>> shift;
                    int g = row[x * bands + 1] >>> shift;
                    int b = row[x * bands + 2] >>> shift;
                    if (channels == 1) {
                        out[at] = (byte) luma(r, g, b);
                    } else {
                        out[at] = (byte) r;
                        out[at + 1] = (byte) g;
                        out[at + 2] = (byte) b;
                    }
                }
            }
            bands = raster.getNumBands();
            shift = raster.getTransferType() == DataBuffer.TYPE_USHORT ? 8 : 0;
        }
        return new Image(w, h, channels, out);
    }

    /**
     * PIL's RGB to grey ({@code Image.convert("L")}).
     *
     * @param r red in [0, 255]
     * @param g green
     * @param b blue
     * @return the luma in [0, 255]
     */
    static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }
}
