package dev.meta4j.runtime.scenes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rendered maps against the scene's analytic geometry: every sphere pixel's depth puts its
 * point on the sphere and its normal is the radial direction there, and the sphere covers exactly
 * the pixels whose ray passes within its radius; floor points lie on the floor plane with the up
 * normal; box points lie on the face their normal names; the sky is ignored and invalid.
 */
class SceneRendererTest {

    static final double FLOOR_Y = 1.2;
    static final Vec3 CENTRE = new Vec3(0.4, 0.3, 5);
    static final double RADIUS = 0.8;
    static final double[] RED = {0.9, 0.1, 0.1};
    static final double[] GREY = {0.5, 0.5, 0.5};

    static Scene scene(Shape... more) {
        List<Shape> shapes = new java.util.ArrayList<>();
        shapes.add(new Plane(new Vec3(0, -1, 0), -FLOOR_Y, Scene.FLOOR, GREY, new double[] {0.3, 0.3, 0.3}, 0.5, 12));
        shapes.addAll(List.of(more));
        return new Scene(shapes, new Vec3(0.3, -1, -0.4).unit(), 0.2, new double[] {0.2, 0.4, 0.8},
                new double[] {0.8, 0.8, 0.9});
    }

    static Vec3 point(Camera cam, RenderedScene r, int row, int col) {
        return cam.ray(row, col).times(r.depth()[row * r.width() + col]);
    }

    static Vec3 normal(RenderedScene r, int p) {
        return new Vec3(r.normal()[3 * p], r.normal()[3 * p + 1], r.normal()[3 * p + 2]);
    }

    @Test
    void sphereDepthAndNormalsAreTheAnalyticOnes() {
        Camera cam = Camera.of(64, 80);
        RenderedScene r = SceneRenderer.render(scene(new Sphere(CENTRE, RADIUS, Scene.SPHERE, RED)), cam);
        int sphere = 0;
        for (int row = 0; row < 64; row++) {
            for (int col = 0; col < 80; col++) {
                int p = row * 80 + col;
                Vec3 d = cam.ray(row, col);
                // distance from the centre to the ray's line through the eye
                double along = CENTRE.dot(d) / d.dot(d);
                double miss = CENTRE.minus(d.times(along)).length();
                if (Math.abs(miss - RADIUS) < 1e-3) {
                    continue; // grazing rays: float32 depth cannot settle which side they fall
                }
                assertEquals(miss < RADIUS, r.label()[p] == Scene.SPHERE, "silhouette at " + row + "," + col);
                if (r.label()[p] != Scene.SPHERE) {
                    continue;
                }
                sphere++;
                Vec3 x = point(cam, r, row, col);
                assertEquals(RADIUS, x.minus(CENTRE).length(), 2e-5, "on the sphere at " + row + "," + col);
                Vec3 radial = x.minus(CENTRE).unit();
                Vec3 n = normal(r, p);
                assertEquals(0, n.minus(radial).length(), 5e-5, "radial normal at " + row + "," + col);
                assertTrue(n.z() < 0, "a visible point faces the camera");
                // the near root of |t d - c|^2 = r^2, recomputed here
                double a = d.dot(d);
                double b = CENTRE.dot(d);
                double t = (b - Math.sqrt(b * b - a * (CENTRE.dot(CENTRE) - RADIUS * RADIUS))) / a;
                assertEquals(t, r.depth()[p], 1e-5 * t, "depth at " + row + "," + col);
            }
        }
        assertTrue(sphere > 100, "the sphere covers " + sphere + " pixels");
    }

    @Test
    void floorPointsLieOnTheFloorWithTheUpNormalAndTheSkyIsInvalid() {
        Camera cam = Camera.of(64, 80);
        RenderedScene r = SceneRenderer.render(scene(), cam);
        int floor = 0;
        for (int row = 0; row < 64; row++) {
            for (int col = 0; col < 80; col++) {
                int p = row * 80 + col;
                if (r.label()[p] == Scene.FLOOR) {
                    floor++;
                    assertTrue(row >= 32, "the floor is below the horizon");
                    assertEquals(FLOOR_Y, point(cam, r, row, col).y(), 1e-5);
                    assertArrayEquals(new float[] {0, -1, 0}, Arrays.copyOfRange(r.normal(), 3 * p, 3 * p + 3));
                } else {
                    assertEquals(Scene.SKY, r.label()[p]);
                    assertEquals(0, r.depth()[p]);
                    assertArrayEquals(new float[3], Arrays.copyOfRange(r.normal(), 3 * p, 3 * p + 3));
                }
            }
        }
        // rows below the horizon meet the floor unless it is deeper than 12: y / v > 12
        assertTrue(floor > 20 * 80, "floor pixels: " + floor);
    }

    @Test
    void boxPointsLieOnTheFaceTheirNormalNames() {
        Camera cam = Camera.of(64, 80);
        Vec3 half = new Vec3(0.6, 0.5, 0.4);
        double yaw = 0.5;
        Vec3 centre = new Vec3(-0.5, FLOOR_Y - half.y(), 4.5);
        RenderedScene r = SceneRenderer.render(scene(new Box(centre, half, yaw, Scene.BOX, RED)), cam);
        double cos = Math.cos(yaw);
        double sin = Math.sin(yaw);
        Vec3[] axes = {new Vec3(cos, 0, -sin), new Vec3(0, 1, 0), new Vec3(sin, 0, cos)}; // the box's axes
        double[] halves = {half.x(), half.y(), half.z()};
        int box = 0;
        java.util.Set<Integer> faces = new java.util.TreeSet<>();
        for (int p = 0; p < 64 * 80; p++) {
            if (r.label()[p] != Scene.BOX) {
                continue;
            }
            box++;
            Vec3 x = point(cam, r, p / 80, p % 80).minus(centre);
            Vec3 n = normal(r, p);
            int face = -1;
            for (int k = 0; k < 3; k++) {
                double along = x.dot(axes[k]);
                assertTrue(Math.abs(along) <= halves[k] + 1e-4, "inside the box along axis " + k);
                if (Math.abs(Math.abs(n.dot(axes[k])) - 1) < 1e-6) {
                    face = k;
                    assertEquals(halves[k], Math.abs(along), 1e-4, "on the face of axis " + k);
                    assertEquals(Math.signum(along), Math.signum(n.dot(axes[k])), "outward");
                }
            }
            assertTrue(face >= 0, "the normal is one of the box's axes: " + n);
            faces.add(face);
            assertTrue(n.dot(cam.ray(p / 80, p % 80)) < 0, "a visible face looks at the camera");
        }
        assertTrue(box > 100, "box pixels: " + box);
        assertTrue(faces.size() >= 2, "a turned box shows two or more faces: " + faces);
    }

    @Test
    void shadingShowsShapeAndShadow() {
        Camera cam = Camera.of(64, 80);
        RenderedScene r = SceneRenderer.render(scene(new Sphere(CENTRE, RADIUS, Scene.SPHERE, RED)), cam);
        double min = 1;
        double max = 0;
        for (int p = 0; p < 64 * 80; p++) {
            if (r.label()[p] == Scene.SPHERE) {
                min = Math.min(min, r.image()[3 * p]);
                max = Math.max(max, r.image()[3 * p]);
            }
        }
        assertTrue(max - min > 0.3, "the sphere is shaded, red from " + min + " to " + max);
        // the floor right under the sphere is in its shadow (the light comes from above): ambient only
        Vec3 below = new Vec3(CENTRE.x(), FLOOR_Y, CENTRE.z());
        Vec3 from = below.plus(new Vec3(0, -1e-6, 0));
        assertTrue(scene(new Sphere(CENTRE, RADIUS, Scene.SPHERE, RED)).trace(from, new Vec3(0.3, -1, -0.4).unit(), 0) != null);
    }

    @Test
    void aSeedGivesOneSceneAndScenesDiffer() {
        Camera cam = Camera.of(64, 80);
        RenderedScene a = SceneRenderer.render(RenderedScenes.scene(7, "train", 3), cam);
        RenderedScene b = SceneRenderer.render(RenderedScenes.scene(7, "train", 3), cam);
        RenderedScene c = SceneRenderer.render(RenderedScenes.scene(7, "train", 4), cam);
        RenderedScene d = SceneRenderer.render(RenderedScenes.scene(7, "val", 3), cam);
        assertArrayEquals(a.image(), b.image());
        assertArrayEquals(a.label(), b.label());
        assertFalse(Arrays.equals(a.image(), c.image()));
        assertFalse(Arrays.equals(a.image(), d.image()));
    }

    @Test
    void randomScenesHaveEveryClassAndValidMaps() {
        Camera cam = Camera.of(64, 80);
        int[] counts = new int[5];
        for (int i = 0; i < 40; i++) {
            RenderedScene r = SceneRenderer.render(RenderedScenes.scene(0, "train", i), cam);
            for (int p = 0; p < 64 * 80; p++) {
                int label = (int) r.label()[p];
                counts[label + 1]++;
                boolean hit = label != Scene.SKY;
                assertEquals(hit, r.depth()[p] > 0, "depth valid exactly where something is hit");
                double n = normal(r, p).length();
                assertEquals(hit ? 1 : 0, n, 1e-6, "unit normals where hit, zero elsewhere");
                for (int k = 0; k < 3; k++) {
                    assertTrue(r.image()[3 * p + k] >= 0 && r.image()[3 * p + k] <= 1);
                }
            }
        }
        for (int k = 0; k < 5; k++) {
            assertTrue(counts[k] > 1000, "class " + (k - 1) + " covers " + counts[k] + " pixels of 40 scenes");
        }
    }
}
