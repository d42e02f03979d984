package dev.meta4j.datasets;

/**
 * PIL's {@code Image.resize(size, Image.LANCZOS)} on 8-bit images, to the bit: the filter the
 * reference loaders use (learn2learn's Omniglot {@code transforms.Resize(28, interpolation=LANCZOS)};
 * the mini-ImageNet tools' {@code im.resize((84, 84), resample=Image.LANCZOS)}).
 *
 * <p>The algorithm is Pillow's separable convolution ({@code libImaging/Resample.c}, checked
 * against Pillow 9.4 by {@code LanczosResizeTest} on golden values that
 * {@code scripts/reference/fewshot_golden.py} wrote): a Lanczos kernel with {@code a = 3},
 * stretched by the downscaling factor (so it averages, "antialiased"), centred at {@code (i +
 * 0.5) · scale}; its weights normalised to sum 1, then rounded to 22-bit fixed point; the
 * horizontal pass first, into 8-bit intermediate rows (rounded and clipped), then the vertical
 * pass. Only the rows the vertical pass needs are computed horizontally, as Pillow does; that
 * changes nothing in the result.
 */
final class LanczosResize {

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 3.0;

    private LanczosResize() {}

    /**
     * Resizes interleaved 8-bit pixels.
     *
     * @param pixels {@code height * width * channels} bytes, row-major
     * @param width input columns
     * @param height input rows
     * @param channels channels per pixel
     * @param outWidth output columns
     * @param outHeight output rows
     * @return {@code outHeight * outWidth * channels} bytes; the input itself if the size is unchanged
     */
    static byte[] resize(byte[] pixels, int width, int height, int channels, int outWidth, int outHeight) {
        if (width == outWidth && height == outHeight) {
            return pixels;
        }
        byte[] horizontal = pixels;
        if (width != outWidth) {
            Coefficients k = coefficients(width, outWidth);
            horizontal = new byte[height * outWidth * channels];
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < outWidth; x++) {
                    int min = k.bounds[2 * x];
                    int n = k.bounds[2 * x + 1];
                    for (int c = 0; c < channels; c++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int i = 0; i < n; i++) {
                            ss += (pixels[((y * width) + min + i) * channels + c] & 0xff) * k.weights[x * k.size + i];
                        }
                        horizontal[(y * outWidth + x) * channels + c] = clip8(ss);
                    }
                }
            }
        }
        if (height == outHeight) {
            return horizontal;
        }
        Coefficients k = coefficients(height, outHeight);
        byte[] out = new byte[outHeight * outWidth * channels];
        for (int y = 0; y < outHeight; y++) {
            int min = k.bounds[2 * y];
            int n = k.bounds[2 * y + 1];
            for (int x = 0; x < outWidth; x++) {
                for (int c = 0; c < channels; c++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < n; i++) {
                        ss += (horizontal[((min + i) * outWidth + x) * channels + c] & 0xff) * k.weights[y * k.size + i];
                    }
                    out[(y * outWidth + x) * channels + c] = clip8(ss);
                }
            }
        }
        return out;
    }

    private static byte clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** Per output index: the first input index and the count, and the fixed-point weights. */
    private record Coefficients(int size, int[] bounds, int[] weights) {}

    private static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        int size = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[2 * outSize];
        int[] weights = new int[outSize * size];
        double[] k = new double[size];
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            double ss = 1.0 / filterScale;
            // C's (int) cast truncates toward zero, as Java's does
            int min = Math.max((int) (center - support + 0.5), 0);
            int max = Math.min((int) (center + support + 0.5), inSize) - min;
            double sum = 0;
            for (int i = 0; i < max; i++) {
                k[i] = lanczos((i + min - center + 0.5) * ss);
                sum += k[i];
            }
            for (int i = 0; i < max; i++) {
                double w = sum != 0.0 ? k[i] / sum : k[i];
                weights[o * size + i] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                        : (int) (0.5 + w * (1 << PRECISION_BITS));
            }
            bounds[2 * o] = min;
            bounds[2 * o + 1] = max;
        }
        return new Coefficients(size, bounds, weights);
    }

    private static double lanczos(double x) {
        return -SUPPORT <= x && x < SUPPORT ? sinc(x) * sinc(x / SUPPORT) : 0.0;
    }

    /** StrictMath: the weights must not depend on when the JIT compiles this (DESIGN, "Autograd through DJL"). */
    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        double px = x * Math.PI;
        return StrictMath.sin(px) / px;
    }
}
