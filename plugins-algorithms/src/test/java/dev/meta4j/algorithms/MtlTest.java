package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Split;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.algorithm.Step;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.datasets.OmniglotFixtures;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import dev.meta4j.runtime.testing.TestComponents;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mtl} on the Omniglot-layout fixture (rendered glyphs, test characters held out; see
 * {@link OmniglotLearningTest}): its head matrix, its class-row selection, and that it learns to
 * classify characters it has never seen through the test-time logistic regression.
 */
class MtlTest {

    @TempDir static Path root;
    private static PluginTestKit kit;

    private static final String DATASET = "split = maml, train-characters = 40, validation-characters = 8,"
            + " rotations = none, ways = 5, shots = 1, queries = 5, train-queries = 5, ";

    @BeforeAll
    static void open() {
        // 6 alphabets x 12 characters: 40 train, 8 validation, 24 test characters
        OmniglotFixtures.write(root, 6, 12, 20, 3);
        kit = PluginTestKit.open(DataType.FLOAT32, 5);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static Algorithm mtl(String settings, int trainWays, String optimizer, String optimizerSettings) {
        Algorithm a = SubPluginKit.mtl(kit, settings);
        Dataset omniglot = kit.create(PluginKind.DATASET, "omniglot",
                DATASET + "train-ways = " + trainWays + ", root = \"" + root + "\"",
                Dataset.class);
        Backbone conv4 = kit.create(PluginKind.MODEL, "conv4", "channels = 16, bn-mode = inductive", Backbone.class);
        Optimizer opt = kit.create(PluginKind.OPTIMIZER, optimizer, optimizerSettings, Optimizer.class);
        a.init(new TestComponents(omniglot, conv4, opt, null));
        return a;
    }

    private static Metrics step(Algorithm a, int s, int steps, double lr) {
        try (NDManager m = kit.manager().newSubManager()) {
            a.parameters().tempAttach(m);
            Metrics out = a.trainStep(new Step(new TrainingClock(s, steps, 0), lr, m));
            out.get(Metrics.LOSS).orElseThrow();
            return out;
        }
    }

    @Test
    void theHeadIsKaimingUniformScaledToTheClassCountAndOneStepMovesOnlyTheEpisodesRows() {
        Algorithm a = mtl("meta-batch = 1, norm-train-features = true", 5, "sgd", "lr = 0.5");
        float[] before = a.parameters().get(Mtl.HEADS).toFloatArray();
        long[] shape = a.parameters().get(Mtl.HEADS).getShape().getShape();
        assertEquals(40, shape[0], "one row per training character");
        int classes = (int) shape[0];
        int dim = (int) shape[1];
        // U(-1/sqrt(D), 1/sqrt(D)) * sqrt(C / N): every value inside, the extremes near the bound
        double bound = Math.sqrt((double) classes / 5) / Math.sqrt(dim);
        double max = 0;
        for (float v : before) {
            assertTrue(Math.abs(v) <= bound * (1 + 1e-6), v + " outside +-" + bound);
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max > 0.95 * bound, "largest |value| " + max + " of bound " + bound);
        step(a, 0, 1, 0.5);
        float[] after = a.parameters().get(Mtl.HEADS).toFloatArray();
        int changed = 0;
        for (int c = 0; c < classes; c++) {
            boolean moved = false;
            for (int j = 0; j < dim; j++) {
                moved |= before[c * dim + j] != after[c * dim + j];
            }
            changed += moved ? 1 : 0;
        }
        assertEquals(5, changed, "a 5-way episode trains exactly its 5 classes' rows (plain SGD, no momentum)");
    }

    @Test
    void mtlLearnsHeldOutCharacters() {
        int steps = 150;
        // 20-way training episodes of 6 images a class (120 images a step, as ProtoNet's test
        // trains). Unnormalised features (the official FC100 setting): with norm-train-features
        // the logits are bounded by the head's norm and 150 steps reach 0.59 (measured), not 0.70.
        Algorithm a = mtl("meta-batch = 1, norm-train-features = false, eval-episodes = 20, test-episodes = 100", 20,
                "adam", "lr = 0.003");
        for (int s = 0; s < steps; s++) {
            step(a, s, steps, 0.003);
        }
        try (NDManager m = kit.manager().newSubManager()) {
            a.parameters().tempAttach(m);
            Metrics test = a.evaluate(Split.TEST, m).metrics();
            double acc = test.get("accuracy").orElseThrow();
            System.out.println("omniglot-fixture mtl accuracy " + acc + " +- " + test.get("accuracy-ci95").orElseThrow()
                    + ", logreg iterations " + test.get("logreg-iterations").orElseThrow());
            assertTrue(acc > 0.6, "mtl 5-way 1-shot accuracy on held-out characters " + acc + " (chance 0.2)");
        }
        // The same trained network scored by test-method = tune-all (the official code's other head)
        Algorithm tuned = mtl("meta-batch = 1, test-episodes = 40, test-method = tune-all", 20, "adam", "lr = 0.003");
        for (String name : a.parameters().names()) {
            a.parameters().get(name).copyTo(tuned.parameters().get(name));
        }
        try (NDManager m = kit.manager().newSubManager()) {
            tuned.parameters().tempAttach(m);
            Metrics test = tuned.evaluate(Split.TEST, m).metrics();
            double acc = test.get("accuracy").orElseThrow();
            System.out.println("omniglot-fixture mtl tune-all accuracy " + acc + " +- "
                    + test.get("accuracy-ci95").orElseThrow());
            assertEquals(10, test.get("tune-all-steps").orElseThrow());
            assertTrue(acc > 0.5, "mtl tune-all 5-way 1-shot accuracy on held-out characters " + acc + " (chance 0.2)");
        }
    }
}
