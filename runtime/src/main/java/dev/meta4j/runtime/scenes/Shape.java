package dev.meta4j.runtime.scenes;

/**
 * A solid of a rendered scene with its semantic class and colour. Rays need not be unit vectors:
 * the camera's have z = 1, so the ray parameter of a hit is its depth.
 */
public sealed interface Shape permits Plane, Sphere, Box {

    /**
     * The first intersection in front of the origin.
     *
     * @param origin the ray's origin
     * @param direction the ray's direction (any length)
     * @param tMin intersections at t ≤ tMin are ignored
     * @return the hit, or null
     */
    Hit intersect(Vec3 origin, Vec3 direction, double tMin);

    /** @return the semantic class written to the label map */
    int label();

    /**
     * The diffuse colour at a surface point (a texture where the shape has one).
     *
     * @param point the point on the surface, in the camera's frame
     * @return red, green, blue in [0, 1]
     */
    double[] albedo(Vec3 point);
}
