package dev.meta4j.datasets;

import dev.meta4j.api.Rng;

/**
 * The training augmentation of MetaOptNet (Lee et al. 2019, "Lee19"), on 8-bit images before
 * they become floats, as its PIL pipeline does: {@code RandomCrop(size, padding)},
 * {@code ColorJitter(brightness, contrast, saturation)}, {@code RandomHorizontalFlip()}. The
 * official code uses padding 8 for mini- and tiered-ImageNet (84×84) and 4 for CIFAR-FS and FC100
 * (32×32), and 0.4 for the three jitter strengths; its normalisation by the datasets' mean and
 * standard deviation is not part of this (pixels stay in [0, 1]; a model may normalise).
 *
 * <p>Each image draws, in this order, from its own child of the training batch's generator
 * ({@link EpisodicImages}; switching augmentation on does not change the episodes' classes and images): the crop's top and
 * left offsets, each uniform in {@code [0, 2 · padding]} of the zero-padded image (torchvision's
 * {@code RandomCrop}, constant fill 0); the order of the three jitter operations (a uniform
 * permutation, as torchvision's {@code ColorJitter} draws one per image) and their factors, each
 * uniform in {@code [max(0, 1 - s), 1 + s]}; the flip, with probability 1/2. The jitter operations
 * are PIL's {@code ImageEnhance} blends, {@code degenerate + f · (image - degenerate)} in single
 * precision, truncated to 8 bits and clipped: brightness against black, contrast against the
 * rounded mean of the grey image, saturation against the grey image (PIL's luma); checked
 * against Pillow 9.4 in {@code Lee19AugmentationTest}. Identical draws give identical pixels.
 */
final class Lee19Augmentation {

    private final int padding;
    private final float brightness;
    private final float contrast;
    private final float saturation;
    private final boolean flip;

    /**
     * An augmentation.
     *
     * @param padding zero padding of the random crop on each side; 0 for no crop
     * @param brightness brightness jitter strength; 0 for none
     * @param contrast contrast jitter strength; 0 for none
     * @param saturation saturation jitter strength; 0 for none
     * @param flip whether to flip horizontally with probability 1/2
     */
    Lee19Augmentation(int padding, double brightness, double contrast, double saturation, boolean flip) {
        this.padding = padding;
        this.brightness = (float) brightness;
        this.contrast = (float) contrast;
        this.saturation = (float) saturation;
        this.flip = flip;
    }

    /**
     * Augments an image.
     *
     * @param px {@code height * width * channels} bytes, row-major; not modified
     * @param width columns
     * @param height rows
     * @param channels 1 or 3
     * @param rng the generator
     * @return the augmented pixels, a new array
     */
    byte[] apply(byte[] px, int width, int height, int channels, Rng rng) {
        byte[] out = padding > 0 ? crop(px, width, height, channels, rng) : px.clone();
        int[] order = rng.permutation(3);
        float[] factors = {
            factor(brightness, rng), factor(contrast, rng), factor(saturation, rng)
        };
        for (int op : order) {
            float f = factors[op];
            if (Float.isNaN(f)) {
                continue;
            }
            switch (op) {
                case 0 -> blend(out, null, 0, f);
                case 1 -> blend(out, null, meanGrey(out, channels), f);
                default -> {
                    if (channels == 3) {
                        blend(out, grey(out), 0, f);
                    }
                }
            }
        }
        if (flip && rng.nextDouble() < 0.5) {
            flipHorizontally(out, width, height, channels);
        }
        return out;
    }

    /** A factor uniform in [max(0, 1 - s), 1 + s]; NaN (no operation, no draw) for s = 0, as torchvision skips it. */
    private static float factor(float s, Rng rng) {
        if (s == 0) {
            return Float.NaN;
        }
        return (float) rng.uniform(Math.max(0, 1 - s), 1 + s);
    }

    private byte[] crop(byte[] px, int w, int h, int c, Rng rng) {
        int top = rng.nextInt(2 * padding + 1) - padding;
        int left = rng.nextInt(2 * padding + 1) - padding;
        byte[] out = new byte[px.length];
        for (int y = 0; y < h; y++) {
            int sy = y + top;
            if (sy < 0 || sy >= h) {
                continue;
            }
            for (int x = 0; x < w; x++) {
                int sx = x + left;
                if (sx >= 0 && sx < w) {
                    System.arraycopy(px, (sy * w + sx) * c, out, (y * w + x) * c, c);
                }
            }
        }
        return out;
    }

    /**
     * PIL's {@code Image.blend(degenerate, image, f)} in place; the degenerate image is {@code
     * perPixel} (one grey value per pixel, for every channel) or the constant {@code constant}.
     */
    static void blend(byte[] px, int[] perPixel, int constant, float f) {
        int channels = perPixel == null ? 1 : px.length / perPixel.length;
        for (int i = 0; i < px.length; i++) {
            int d = perPixel == null ? constant : perPixel[i / channels];
            float v = d + f * ((px[i] & 0xff) - d);
            px[i] = (byte) (v <= 0f ? 0 : v >= 255f ? 255 : (int) v);
        }
    }

    /** PIL's {@code convert("L")} of RGB pixels. */
    static int[] grey(byte[] rgb) {
        int[] out = new int[rgb.length / 3];
        for (int i = 0; i < out.length; i++) {
            out[i] = ImageDecoder.luma(rgb[3 * i] & 0xff, rgb[3 * i + 1] & 0xff, rgb[3 * i + 2] & 0xff);
        }
        return out;
    }

    /** {@code int(ImageStat.Stat(image.convert("L")).mean[0] + 0.5)}: PIL's contrast reference. */
    static int meanGrey(byte[] px, int channels) {
        long sum = 0;
        int n;
        if (channels == 3) {
            int[] g = grey(px);
            for (int v : g) {
                sum += v;
            }
            n = g.length;
        } else {
            for (byte b : px) {
                sum += b & 0xff;
            }
            n = px.length;
        }
        return (int) ((double) sum / n + 0.5);
    }

    private static void flipHorizontally(byte[] px, int w, int h, int c) {
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w / 2; x++) {
                for (int k = 0; k < c; k++) {
                    int a = (y * w + x) * c + k;
                    int b = (y * w + (w - 1 - x)) * c + k;
                    byte t = px[a];
                    px[a] = px[b];
                    px[b] = t;
                }
            }
        }
    }
}
