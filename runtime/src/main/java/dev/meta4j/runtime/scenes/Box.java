package dev.meta4j.runtime.scenes;

/**
 * A box turned about the vertical (y) axis by {@code yaw}.
 *
 * @param centre the centre
 * @param half the half-extents along the box's own x, y and z axes
 * @param yaw the turn about y, in radians
 * @param label the semantic class
 * @param colour its colour
 */
public record Box(Vec3 centre, Vec3 half, double yaw, int label, double[] colour) implements Shape {

    @Override
    public Hit intersect(Vec3 origin, Vec3 direction, double tMin) {
        double cos = StrictMath.cos(yaw);
        double sin = StrictMath.sin(yaw);
        Vec3 o = toLocal(origin.minus(centre), cos, sin);
        Vec3 d = toLocal(direction, cos, sin);
        double[] os = {o.x(), o.y(), o.z()};
        double[] ds = {d.x(), d.y(), d.z()};
        double[] hs = {half.x(), half.y(), half.z()};
        double near = Double.NEGATIVE_INFINITY;
        double far = Double.POSITIVE_INFINITY;
        int nearAxis = -1;
        int farAxis = -1;
        for (int k = 0; k < 3; k++) {
            if (ds[k] == 0) {
                if (Math.abs(os[k]) > hs[k]) {
                    return null; // parallel to this slab and outside it
                }
                continue;
            }
            double t1 = (-hs[k] - os[k]) / ds[k];
            double t2 = (hs[k] - os[k]) / ds[k];
            double lo = Math.min(t1, t2);
            double hi = Math.max(t1, t2);
            if (lo > near) {
                near = lo;
                nearAxis = k;
            }
            if (hi < far) {
                far = hi;
                farAxis = k;
            }
        }
        if (near > far) {
            return null;
        }
        double t;
        int axis;
        double sign;
        if (near > tMin) {
            t = near;
            axis = nearAxis;
            sign = -Math.signum(ds[axis]); // entering: the face looks back along the ray
        } else if (far > tMin) {
            t = far;
            axis = farAxis;
            sign = Math.signum(ds[axis]); // from inside (a shadow ray leaving the surface)
        } else {
            return null;
        }
        double[] n = new double[3];
        n[axis] = sign;
        return new Hit(t, toCamera(new Vec3(n[0], n[1], n[2]), cos, sin), this);
    }

    /** The box's frame: the camera's frame turned by -yaw about y. */
    private static Vec3 toLocal(Vec3 v, double cos, double sin) {
        return new Vec3(cos * v.x() - sin * v.z(), v.y(), sin * v.x() + cos * v.z());
    }

    private static Vec3 toCamera(Vec3 v, double cos, double sin) {
        return new Vec3(cos * v.x() + sin * v.z(), v.y(), -sin * v.x() + cos * v.z());
    }

    @Override
    public double[] albedo(Vec3 point) {
        return colour;
    }
}
