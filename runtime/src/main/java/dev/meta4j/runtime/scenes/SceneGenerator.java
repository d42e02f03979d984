package dev.meta4j.runtime.scenes;

import dev.meta4j.api.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * Draws random indoor-like scenes: a tiled floor below the camera, a back wall in most scenes
 * (otherwise the floor ends at {@link #FAR} and the sky shows), one to {@link #MAX_OBJECTS}
 * spheres and boxes standing on the floor without overlapping, and a light from above. Every
 * random choice comes from the given generator, in a fixed order, so a seed gives one scene.
 *
 * <p>Colours are drawn so that the class is visible but not given away by colour alone: floors
 * are a low-saturation checkerboard, walls pale, and spheres and boxes draw their hue from the
 * same full circle, so telling them apart takes their shape and shading.
 */
public final class SceneGenerator {

    /** Where the floor ends when there is no wall: beyond is sky. */
    public static final double FAR = 12;
    /** The most objects in a scene. */
    public static final int MAX_OBJECTS = 5;
    /** Tries to place an object clear of the others before it is left out. */
    private static final int PLACEMENT_TRIES = 20;

    private SceneGenerator() {}

    /**
     * Draws a scene.
     *
     * @param rng the generator; the scene is a function of its state
     * @return the scene
     */
    public static Scene draw(Rng rng) {
        List<Shape> shapes = new ArrayList<>();
        double cameraHeight = rng.uniform(1.0, 1.6);
        double[] tileA = grey(rng, 0.35, 0.75, 0.25);
        double[] tileB = scaled(tileA, rng.uniform(0.45, 0.7));
        // y points down: the floor is the plane y = cameraHeight, its normal (0, -1, 0) points up
        shapes.add(new Plane(new Vec3(0, -1, 0), -cameraHeight, Scene.FLOOR, tileA, tileB, rng.uniform(0.4, 0.9), FAR));
        boolean wall = rng.uniform(0, 1) < 0.75;
        double wallDepth = wall ? rng.uniform(6, 10) : FAR;
        if (wall) {
            shapes.add(new Plane(new Vec3(0, 0, -1), -wallDepth, Scene.WALL, grey(rng, 0.7, 0.95, 0.15), null, 1,
                    Double.POSITIVE_INFINITY));
        }
        int objects = 1 + (int) Math.floor(rng.uniform(0, MAX_OBJECTS));
        List<double[]> footprints = new ArrayList<>(); // x, z, radius of what stands on the floor
        for (int i = 0; i < objects; i++) {
            boolean sphere = rng.uniform(0, 1) < 0.5;
            double[] colour = saturated(rng);
            for (int attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
                double z = rng.uniform(3.2, Math.min(wallDepth - 1, 9));
                // within the central 80 % of the view at that depth
                double x = rng.uniform(-0.8, 0.8) * z * StrictMath.tan(StrictMath.toRadians(Camera.HORIZONTAL_FOV_DEGREES / 2));
                Shape s;
                double radius;
                if (sphere) {
                    double r = rng.uniform(0.3, 0.8);
                    s = new Sphere(new Vec3(x, cameraHeight - r, z), r, Scene.SPHERE, colour);
                    radius = r;
                } else {
                    Vec3 half = new Vec3(rng.uniform(0.25, 0.7), rng.uniform(0.25, 0.9), rng.uniform(0.25, 0.7));
                    double yaw = rng.uniform(0, Math.PI / 2);
                    s = new Box(new Vec3(x, cameraHeight - half.y(), z), half, yaw, Scene.BOX, colour);
                    radius = Math.hypot(half.x(), half.z());
                }
                if (clear(footprints, x, z, radius)) {
                    footprints.add(new double[] {x, z, radius});
                    shapes.add(s);
                    break;
                }
            }
        }
        // towards the light: up (negative y), sideways, and mostly from the camera's side
        Vec3 light = new Vec3(rng.uniform(-0.7, 0.7), -rng.uniform(0.6, 1.2), -rng.uniform(0.1, 0.8)).unit();
        double ambient = rng.uniform(0.15, 0.35);
        double[] skyTop = {rng.uniform(0.15, 0.3), rng.uniform(0.3, 0.5), rng.uniform(0.6, 0.9)};
        double[] skyHorizon = {rng.uniform(0.7, 0.9), rng.uniform(0.75, 0.9), rng.uniform(0.85, 1.0)};
        return new Scene(shapes, light, ambient, skyTop, skyHorizon);
    }

    private static boolean clear(List<double[]> footprints, double x, double z, double radius) {
        for (double[] f : footprints) {
            if (Math.hypot(x - f[0], z - f[1]) < radius + f[2] + 0.1) {
                return false;
            }
        }
        return true;
    }

    /** A grey of brightness in [low, high], tinted by up to {@code tint} per channel. */
    private static double[] grey(Rng rng, double low, double high, double tint) {
        double v = rng.uniform(low, high);
        double[] c = new double[3];
        for (int k = 0; k < 3; k++) {
            c[k] = Math.min(1, v * (1 - tint / 2 + rng.uniform(0, tint)));
        }
        return c;
    }

    private static double[] scaled(double[] c, double f) {
        return new double[] {c[0] * f, c[1] * f, c[2] * f};
    }

    /** A saturated colour: a hue from the whole circle, saturation 0.6-1, value 0.6-1 (HSV). */
    private static double[] saturated(Rng rng) {
        double h = rng.uniform(0, 6);
        double s = rng.uniform(0.6, 1);
        double v = rng.uniform(0.6, 1);
        int sector = (int) Math.floor(h) % 6;
        double f = h - Math.floor(h);
        double p = v * (1 - s);
        double q = v * (1 - s * f);
        double t = v * (1 - s * (1 - f));
        return switch (sector) {
            case 0 -> new double[] {v, t, p};
            case 1 -> new double[] {q, v, p};
            case 2 -> new double[] {p, v, t};
            case 3 -> new double[] {p, q, v};
            case 4 -> new double[] {t, p, v};
            default -> new double[] {v, p, q};
        };
    }
}
