package dev.meta4j.runtime.scenes;

/**
 * The plane {@code n · p = offset}, seen from the side its normal points to, optionally with a
 * checkerboard of two colours on its x-z coordinates (a floor's tiles).
 *
 * @param normal the unit normal, towards the camera's side
 * @param offset the plane's offset along the normal
 * @param label the semantic class
 * @param colour the colour (the first of the checkerboard)
 * @param other the checkerboard's second colour, or null for a plain plane
 * @param tile the side of a checkerboard square
 * @param maxDepth hits deeper than this are ignored (the floor ends where the sky begins)
 */
public record Plane(Vec3 normal, double offset, int label, double[] colour, double[] other, double tile,
        double maxDepth) implements Shape {

    @Override
    public Hit intersect(Vec3 origin, Vec3 direction, double tMin) {
        double denominator = normal.dot(direction);
        if (denominator >= 0) {
            return null; // parallel, or seen from behind
        }
        double t = (offset - normal.dot(origin)) / denominator;
        if (t <= tMin || origin.z() + t * direction.z() > maxDepth) {
            return null;
        }
        return new Hit(t, normal, this);
    }

    @Override
    public double[] albedo(Vec3 p) {
        if (other == null) {
            return colour;
        }
        long i = (long) Math.floor(p.x() / tile) + (long) Math.floor(p.z() / tile);
        return (i & 1) == 0 ? colour : other;
    }
}
