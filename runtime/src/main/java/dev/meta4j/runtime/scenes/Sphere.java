package dev.meta4j.runtime.scenes;

/**
 * A sphere.
 *
 * @param centre the centre
 * @param radius the radius
 * @param label the semantic class
 * @param colour its colour
 */
public record Sphere(Vec3 centre, double radius, int label, double[] colour) implements Shape {

    @Override
    public Hit intersect(Vec3 origin, Vec3 direction, double tMin) {
        Vec3 oc = origin.minus(centre);
        double a = direction.dot(direction);
        double halfB = oc.dot(direction);
        double c = oc.dot(oc) - radius * radius;
        double disc = halfB * halfB - a * c;
        if (disc < 0) {
            return null;
        }
        double root = Math.sqrt(disc);
        double t = (-halfB - root) / a;
        if (t <= tMin) {
            t = (-halfB + root) / a;
            if (t <= tMin) {
                return null;
            }
        }
        Vec3 p = origin.plus(direction.times(t));
        return new Hit(t, p.minus(centre).times(1 / radius), this);
    }

    @Override
    public double[] albedo(Vec3 point) {
        return colour;
    }
}
