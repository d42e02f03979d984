package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.DatasetFactory;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.api.data.MultiTaskDataset;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.datasets.mtl.DenseFixtures;
import dev.meta4j.runtime.scenes.Camera;
import dev.meta4j.runtime.scenes.RenderedScene;
import dev.meta4j.runtime.scenes.RenderedScenes;
import dev.meta4j.runtime.scenes.Scene;
import dev.meta4j.runtime.scenes.SceneRenderer;
import dev.meta4j.runtime.scenes.Shape;
import dev.meta4j.runtime.scenes.Sphere;
import dev.meta4j.runtime.scenes.Vec3;
import dev.meta4j.testkit.PluginHandle;
import dev.meta4j.testkit.PluginHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The NYUv2 path end to end: the bundled famo-nyuv2.conf trains and writes summary.json on a
 * fixture in MTAN's exact layout; the rendered scenes of {@code meta4j make-scenes} read back
 * through the nyuv2 reader as rendered, with the geometry of their spheres intact; and one cell of
 * the sanity suite (sanity-scenes.conf) runs on them.
 */
class DenseEndToEndTest {

    static final List<String> TASKS = List.of("semantic", "depth", "normal");

    static JsonObject summary(Path out, String name) throws Exception {
        return JsonParser.parseString(Files.readString(Cli.runFolder(out, name).resolve("summary.json"))).getAsJsonObject();
    }

    /** What the tasks report today: each one's split-wide loss, finite. */
    static void assertLosses(JsonObject test) {
        for (String task : TASKS) {
            assertTrue(test.has(task + "/loss"), "test metrics: " + test);
            assertTrue(Double.isFinite(test.get(task + "/loss").getAsDouble()), "test metrics: " + test);
        }
    }

    /**
     * famo-nyuv2.conf as bundled (MTAN's five levels of 64-512 filters, batch 2, FAMO, Adam,
     * StepLR, scale-crop-flip), one epoch on two scenes in MTAN's layout. The maps are 32x64, set
     * through the dataset's own height and width keys (MTAN takes any multiple of 32), because a
     * 288x384 step takes about 70 s and 16 GB on a CPU; {@link #famoNyuv2AtNyuv2sOwnSize} runs the
     * issue's shapes on request.
     */
    @Test
    void famoNyuv2RunsAnEpochOnAnMtanLayoutFixture(@TempDir Path tmp) throws Exception {
        // two training scenes: one step of batch 2; MTAN's 44M parameters make each checkpoint ~0.5 GB
        Path root = DenseFixtures.nyuv2(tmp.resolve("nyuv2"), 2, 1, 32, 64);
        Cli v = Cli.run("validate", "--config", "famo-nyuv2.conf", "dataset.root=" + root, "dataset.height=32",
                "dataset.width=64");
        assertEquals(0, v.exitCode(), v.toString());
        Cli cli = Cli.run("run", "--config", "famo-nyuv2.conf", "dataset.root=" + root, "dataset.height=32",
                "dataset.width=64", "experiment.epochs=1", "experiment.output-dir=" + tmp.resolve("runs"),
                "experiment.plots=false");
        assertEquals(0, cli.exitCode(), cli.toString());
        JsonObject s = summary(tmp.resolve("runs"), "famo-nyuv2");
        assertEquals("finished", s.get("status").getAsString(), s.toString());
        assertLosses(s.getAsJsonObject("test"));
        JsonObject test = s.getAsJsonObject("test");
        for (String key : List.of("semantic/miou", "semantic/pixel-accuracy", "depth/abs-error", "depth/rel-error",
                "normal/angle-mean", "normal/angle-median", "normal/within-11.25", "normal/within-22.5",
                "normal/within-30")) {
            assertTrue(test.has(key) && Double.isFinite(test.get(key).getAsDouble()), key + " in " + test);
        }
        for (String section : List.of("delta_m_percent", "libmtl_delta_p_percent")) {
            assertTrue(s.getAsJsonObject(section).has("test") && s.getAsJsonObject(section).has("test_last"),
                    section + " for the final parameters and the papers' mean of the last epochs: " + s);
        }
        assertTrue(Double.isFinite(s.getAsJsonObject("delta_m_percent").get("test").getAsDouble()), s.toString());
        String metrics = Files.readString(Cli.runFolder(tmp.resolve("runs"), "famo-nyuv2").resolve("metrics.jsonl"));
        assertTrue(metrics.contains("\"weight/semantic\"") && metrics.contains("\"loss/normal\""), metrics);
        assertFalse(metrics.contains("NaN"), metrics);
    }

    /**
     * The wording exactly: 288x384 scenes, one training step of batch 2. About 70 s and
     * 16 GB of memory per step on a CPU, so only with {@code -Dmeta4j.fullres=true}.
     */
    @Test
    @EnabledIfSystemProperty(named = "meta4j.fullres", matches = "true")
    void famoNyuv2AtNyuv2sOwnSize(@TempDir Path tmp) throws Exception {
        Path root = DenseFixtures.nyuv2(tmp.resolve("nyuv2"), 2, 1, 288, 384);
        Cli cli = Cli.run("run", "--config", "famo-nyuv2.conf", "dataset.root=" + root, "experiment.epochs=1",
                "experiment.output-dir=" + tmp.resolve("runs"), "experiment.plots=false");
        assertEquals(0, cli.exitCode(), cli.toString());
        JsonObject s = summary(tmp.resolve("runs"), "famo-nyuv2");
        assertEquals("finished", s.get("status").getAsString(), s.toString());
        assertLosses(s.getAsJsonObject("test"));
    }

    /**
     * make-scenes writes MTAN's layout: the nyuv2 reader opens it at the rendered size and gives
     * back exactly what was rendered (images channels-first, labels with -1 kept and masked, depth
     * and normals masked where nothing was hit), and the depth and normals read back put every
     * sphere pixel on its sphere with the radial normal.
     */
    @Test
    void renderedScenesReadBackThroughNyuv2(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("scenes");
        Cli make = Cli.run("make-scenes", "--out", root.toString(), "--train", "6", "--val", "3", "--seed", "5");
        assertEquals(0, make.exitCode(), make.toString());
        Cli again = Cli.run("make-scenes", "--out", root.toString(), "--train", "2", "--val", "1");
        assertEquals(1, again.exitCode(), again.toString());
        assertTrue(again.err().contains("exists and is not empty"), again.toString());

        int h = 64;
        int w = 80;
        Camera camera = Camera.of(h, w);
        try (PluginHandle<Dataset> nyu = PluginHarness.of(DatasetFactory.class, "nyuv2").with("root", root.toString())
                .with("height", h).with("width", w).create();
                NDManager m = nyu.manager().newSubManager()) {
            MultiTaskDataset d = (MultiTaskDataset) nyu.plugin();
            assertEquals(6, d.size(Split.TRAIN));
            assertEquals(3, d.size(Split.TEST));
            int[] all = {0, 1, 2, 3, 4, 5};
            MultiTaskBatch b = d.batch(Split.TRAIN, all, m);
            float[] images = b.inputs().toFloatArray();
            float[] labels = b.targets("semantic").values().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
            float[] depth = b.targets("depth").values().toFloatArray();
            float[] depthMask = b.targets("depth").mask().toFloatArray();
            float[] normal = b.targets("normal").values().toFloatArray();
            float[] normalMask = b.targets("normal").mask().toFloatArray();
            int spherePixels = 0;
            for (int i = 0; i < all.length; i++) {
                Scene scene = RenderedScenes.scene(5, "train", i);
                RenderedScene r = SceneRenderer.render(scene, camera);
                for (int p = 0; p < h * w; p++) {
                    int chw = i * h * w + p; // [N, H, W] and each channel plane of [N, C, H, W]
                    for (int c = 0; c < 3; c++) {
                        int plane = (i * 3 + c) * h * w + p;
                        assertEquals(r.image()[3 * p + c], images[plane], "image " + i + " pixel " + p);
                        assertEquals(r.normal()[3 * p + c], normal[plane], "normal " + i + " pixel " + p);
                    }
                    assertEquals(r.label()[p], labels[chw], "label " + i + " pixel " + p);
                    assertEquals(r.depth()[p], depth[chw]);
                    boolean hit = r.label()[p] != Scene.SKY;
                    assertEquals(hit ? 1f : 0f, depthMask[chw]);
                    assertEquals(hit ? 1f : 0f, normalMask[chw]);
                    if (r.label()[p] == Scene.SPHERE) {
                        spherePixels++;
                        Vec3 x = camera.ray(p / w, p % w).times(depth[chw]);
                        Vec3 n = new Vec3(normal[(i * 3) * h * w + p], normal[(i * 3 + 1) * h * w + p],
                                normal[(i * 3 + 2) * h * w + p]);
                        assertTrue(onASphere(scene, x, n), "sphere pixel " + p + " of scene " + i + ": " + x + ", " + n);
                    }
                }
            }
            assertTrue(spherePixels > 200, "sphere pixels in 6 scenes: " + spherePixels);
        }
    }

    /** Whether x lies on one of the scene's spheres with n its outward radial direction there. */
    static boolean onASphere(Scene scene, Vec3 x, Vec3 n) {
        for (Shape s : scene.shapes()) {
            if (s instanceof Sphere sp && Math.abs(x.minus(sp.centre()).length() - sp.radius()) < 1e-4
                    && x.minus(sp.centre()).unit().minus(n).length() < 1e-4) {
                return true;
            }
        }
        return false;
    }

    /**
     * One cell of the sanity suite: sanity-scenes.conf for an epoch on a small rendered set, with a
     * method of each route through MTAN's batch-norm model (famo: the losses; nashmtl: per-task
     * gradients of the shared parameters; graddrop: of the shared representation).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"famo", "nashmtl", "graddrop"})
    void aSanitySuiteCellRunsOnRenderedScenes(String method, @TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("scenes");
        assertEquals(0, Cli.run("make-scenes", "--out", root.toString(), "--train", "16", "--val", "8").exitCode());
        Cli cli = Cli.run("run", "--config", "sanity-scenes.conf", "dataset.root=" + root, "experiment.epochs=1",
                "experiment.output-dir=" + tmp.resolve("runs"), "experiment.plots=false", "weighting.type=" + method);
        assertEquals(0, cli.exitCode(), cli.toString());
        JsonObject s = summary(tmp.resolve("runs"), "scenes");
        assertEquals("finished", s.get("status").getAsString(), s.toString());
        assertLosses(s.getAsJsonObject("test"));
    }
}
