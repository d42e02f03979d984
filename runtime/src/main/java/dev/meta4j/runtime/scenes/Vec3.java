package dev.meta4j.runtime.scenes;

/**
 * A point or direction in the camera's frame: x to the right, y down, z forward (the image's
 * columns, rows and depth).
 *
 * @param x right
 * @param y down
 * @param z forward
 */
public record Vec3(double x, double y, double z) {

    /** @return this plus {@code o} */
    public Vec3 plus(Vec3 o) {
        return new Vec3(x + o.x, y + o.y, z + o.z);
    }

    /** @return this minus {@code o} */
    public Vec3 minus(Vec3 o) {
        return new Vec3(x - o.x, y - o.y, z - o.z);
    }

    /** @return this times {@code s} */
    public Vec3 times(double s) {
        return new Vec3(x * s, y * s, z * s);
    }

    /** @return the dot product */
    public double dot(Vec3 o) {
        return x * o.x + y * o.y + z * o.z;
    }

    /** @return the Euclidean length */
    public double length() {
        return Math.sqrt(dot(this)); // correctly rounded, so the same on every JVM
    }

    /** @return this divided by its length */
    public Vec3 unit() {
        return times(1 / length());
    }
}
