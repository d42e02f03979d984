package dev.meta4j.runtime.scenes;

/**
 * A pinhole camera at the origin looking along +z, with square pixels and the principal point at
 * the image's centre. The ray through a pixel's centre has z component 1, so a hit's ray
 * parameter is its depth (the distance along the optical axis, as depth maps store it).
 *
 * @param height rows
 * @param width columns
 * @param focal the focal length in pixels
 */
public record Camera(int height, int width, double focal) {

    /** Horizontal field of view of {@link #of}: 60 degrees. */
    public static final double HORIZONTAL_FOV_DEGREES = 60;

    /**
     * A camera whose horizontal field of view is {@link #HORIZONTAL_FOV_DEGREES}.
     *
     * @param height rows
     * @param width columns
     * @return the camera
     */
    public static Camera of(int height, int width) {
        return new Camera(height, width, width / 2.0 / StrictMath.tan(StrictMath.toRadians(HORIZONTAL_FOV_DEGREES / 2)));
    }

    /**
     * The ray through the centre of a pixel.
     *
     * @param row the row, 0 at the top
     * @param column the column, 0 at the left
     * @return its direction, with z = 1
     */
    public Vec3 ray(int row, int column) {
        return new Vec3((column + 0.5 - width / 2.0) / focal, (row + 0.5 - height / 2.0) / focal, 1);
    }
}
