package dev.meta4j.runtime.scenes;

/**
 * One rendered view in MTAN's NYUv2 channels-last layout: row-major pixels, channels innermost.
 *
 * @param height rows
 * @param width columns
 * @param image {@code [H, W, 3]} shaded colour in [0, 1]
 * @param label {@code [H, W]} semantic class, or {@link Scene#SKY} (-1, ignored)
 * @param depth {@code [H, W]} depth along the optical axis; 0 where nothing was hit (invalid)
 * @param normal {@code [H, W, 3]} unit surface normal in the camera's frame (x right, y down, z
 *     forward); all-zero where nothing was hit (invalid)
 */
public record RenderedScene(int height, int width, float[] image, float[] label, float[] depth, float[] normal) {}
