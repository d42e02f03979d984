package dev.meta4j.datasets.mtl;

/**
 * Pillow's {@code Image.resize(size, Image.BILINEAR)} of 8-bit images, which torchvision's {@code
 * transforms.Resize} calls on PIL images (the FAMO CelebA loader): a separable triangle filter
 * whose support widens with the reduction (so downscaling averages, as an antialiasing filter),
 * coefficients rounded to 22-bit fixed point, a horizontal pass into an 8-bit intermediate, then
 * a vertical pass, each rounded and clipped to 0..255 (Pillow's {@code libImaging/Resample.c}).
 * Reproduced from that description, integer arithmetic included, so that the result matches
 * Pillow's exactly ({@code PillowResizeTest} compares with Pillow's own output).
 */
final class PillowResize {

    /** Bits of the fixed-point coefficients: 32 - 8 - 2. */
    private static final int PRECISION_BITS = 22;

    private PillowResize() {}

    /** The coefficients of one pass: for each output index, the first input index and weights. */
    private record Coefficients(int[] first, int[] count, int[][] weights) {}

    private static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = 1.0 * filterScale; // the triangle filter's support is 1
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[][] weights = new int[outSize][];
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            int min = Math.max((int) (center - support + 0.5), 0);
            int max = Math.min((int) (center + support + 0.5), inSize) - min;
            double[] k = new double[Math.max(max, 0)];
            double sum = 0;
            for (int x = 0; x < max; x++) {
                double t = Math.abs((x + min - center + 0.5) * (1.0 / filterScale));
                k[x] = t < 1.0 ? 1.0 - t : 0.0;
                sum += k[x];
            }
            int[] fixed = new int[k.length];
            for (int x = 0; x < k.length; x++) {
                double w = sum != 0.0 ? k[x] / sum : k[x];
                fixed[x] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
            }
            first[o] = min;
            count[o] = k.length;
            weights[o] = fixed;
        }
        return new Coefficients(first, count, weights);
    }

    private static int clip8(int v) {
        int s = v >> PRECISION_BITS;
        return s < 0 ? 0 : Math.min(s, 255);
    }

    /**
     * Resizes interleaved 8-bit pixels.
     *
     * @param pixels {@code height * width * channels} values in 0..255, row-major, channels last
     * @param width the input's columns
     * @param height the input's rows
     * @param channels values per pixel
     * @param outWidth the output's columns
     * @param outHeight the output's rows
     * @return {@code outHeight * outWidth * channels} values in 0..255
     */
    static int[] bilinear(int[] pixels, int width, int height, int channels, int outWidth, int outHeight) {
        int[] current = pixels;
        int curWidth = width;
        int curHeight = height;
        Coefficients vertical = coefficients(height, outHeight);
        if (outWidth != width) {
            // Pillow resamples only the rows the vertical pass will read.
            int firstRow = vertical.first[0];
            int lastRow = vertical.first[outHeight - 1] + vertical.count[outHeight - 1];
            if (outHeight == height) {
                firstRow = 0;
                lastRow = height;
            }
            Coefficients h = coefficients(width, outWidth);
            int rows = lastRow - firstRow;
            int[] out = new int[rows * outWidth * channels];
            for (int y = 0; y < rows; y++) {
                int inRow = (y + firstRow) * width * channels;
                for (int x = 0; x < outWidth; x++) {
                    int[] k = h.weights[x];
                    int at = inRow + h.first[x] * channels;
                    for (int c = 0; c < channels; c++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int i = 0; i < k.length; i++) {
                            ss += current[at + i * channels + c] * k[i];
                        }
                        out[(y * outWidth + x) * channels + c] = clip8(ss);
                    }
                }
            }
            current = out;
            curWidth = outWidth;
            curHeight = rows;
            if (outHeight != height) {
                // Row indices of the vertical pass are now relative to firstRow.
                int[] shifted = vertical.first.clone();
                for (int i = 0; i < shifted.length; i++) {
                    shifted[i] -= firstRow;
                }
                vertical = new Coefficients(shifted, vertical.count, vertical.weights);
            }
        }
        if (outHeight != height) {
            int[] out = new int[outHeight * curWidth * channels];
            for (int y = 0; y < outHeight; y++) {
                int[] k = vertical.weights[y];
                int first = vertical.first[y];
                for (int x = 0; x < curWidth; x++) {
                    for (int c = 0; c < channels; c++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int i = 0; i < k.length; i++) {
                            ss += current[((first + i) * curWidth + x) * channels + c] * k[i];
                        }
                        out[(y * curWidth + x) * channels + c] = clip8(ss);
                    }
                }
            }
            current = out;
            curHeight = outHeight;
        }
        if (current == pixels) {
            current = pixels.clone();
        }
        assert curHeight == outHeight;
        return current;
    }
}
