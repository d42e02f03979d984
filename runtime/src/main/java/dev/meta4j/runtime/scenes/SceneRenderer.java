package dev.meta4j.runtime.scenes;

/**
 * Ray-casts a scene: one ray per pixel centre for the label, depth and normal maps, which are
 * therefore exact for that ray, and Lambertian shading with an ambient term and hard shadows (one
 * ray towards the light) for the image, so that the classes show in the pixels as shape, shading
 * and texture.
 */
public final class SceneRenderer {

    /** Offset of a shadow ray's origin along the normal, against hitting its own surface. */
    private static final double SHADOW_BIAS = 1e-6;

    private SceneRenderer() {}

    /**
     * Renders a view.
     *
     * @param scene the scene
     * @param camera the camera
     * @return the maps
     */
    public static RenderedScene render(Scene scene, Camera camera) {
        int h = camera.height();
        int w = camera.width();
        float[] image = new float[h * w * 3];
        float[] label = new float[h * w];
        float[] depth = new float[h * w];
        float[] normal = new float[h * w * 3];
        Vec3 eye = new Vec3(0, 0, 0);
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int p = r * w + c;
                Vec3 d = camera.ray(r, c);
                Hit hit = scene.trace(eye, d, 0);
                double[] rgb;
                if (hit == null) {
                    label[p] = Scene.SKY;
                    rgb = sky(scene, r, h);
                } else {
                    label[p] = hit.shape().label();
                    depth[p] = (float) hit.t();
                    normal[3 * p] = (float) hit.normal().x();
                    normal[3 * p + 1] = (float) hit.normal().y();
                    normal[3 * p + 2] = (float) hit.normal().z();
                    rgb = shade(scene, d.times(hit.t()), hit);
                }
                for (int k = 0; k < 3; k++) {
                    image[3 * p + k] = (float) Math.min(1, Math.max(0, rgb[k]));
                }
            }
        }
        return new RenderedScene(h, w, image, label, depth, normal);
    }

    private static double[] shade(Scene scene, Vec3 point, Hit hit) {
        double lambert = Math.max(0, hit.normal().dot(scene.light()));
        if (lambert > 0) {
            Vec3 from = point.plus(hit.normal().times(SHADOW_BIAS * Math.max(1, point.length())));
            if (scene.trace(from, scene.light(), 0) != null) {
                lambert = 0; // in the shadow of another shape
            }
        }
        double light = scene.ambient() + (1 - scene.ambient()) * lambert;
        double[] a = hit.shape().albedo(point);
        return new double[] {a[0] * light, a[1] * light, a[2] * light};
    }

    /** A vertical gradient from the top row to the horizon, the horizon colour below it. */
    private static double[] sky(Scene scene, int row, int height) {
        double f = Math.min(1, (row + 0.5) / (height / 2.0));
        double[] out = new double[3];
        for (int k = 0; k < 3; k++) {
            out[k] = scene.skyTop()[k] + f * (scene.skyHorizon()[k] - scene.skyTop()[k]);
        }
        return out;
    }
}
