package dev.meta4j.runtime.scenes;

import java.util.List;

/**
 * What a rendered view contains: shapes, a directional light and the sky behind them.
 *
 * @param shapes the shapes
 * @param light the unit direction towards the light
 * @param ambient the light every surface gets, shadowed or not
 * @param skyTop the sky's colour at the top row
 * @param skyHorizon the sky's colour at the horizon (the middle row)
 */
public record Scene(List<Shape> shapes, Vec3 light, double ambient, double[] skyTop, double[] skyHorizon) {

    /** The semantic classes (the label map's values; -1 where a ray meets nothing, the sky). */
    public static final int FLOOR = 0;
    /** A back wall. */
    public static final int WALL = 1;
    /** A sphere. */
    public static final int SPHERE = 2;
    /** A box. */
    public static final int BOX = 3;
    /** Pixels whose ray meets nothing: ignored by segmentation, depth 0 and normal 0 (invalid). */
    public static final int SKY = -1;

    /** Copies the list. */
    public Scene {
        shapes = List.copyOf(shapes);
    }

    /**
     * The first hit along a ray.
     *
     * @param origin the origin
     * @param direction the direction
     * @param tMin hits at t ≤ tMin are ignored
     * @return the nearest hit, or null
     */
    public Hit trace(Vec3 origin, Vec3 direction, double tMin) {
        Hit best = null;
        for (Shape s : shapes) {
            Hit h = s.intersect(origin, direction, tMin);
            if (h != null && (best == null || h.t() < best.t())) {
                best = h;
            }
        }
        return best;
    }
}
