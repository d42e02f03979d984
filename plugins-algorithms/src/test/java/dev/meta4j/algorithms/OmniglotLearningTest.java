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
 * MAML, Prototypical Networks and MetaOptNet (SVM head) learn to classify characters they have never seen: 5-way
 * 1-shot episodes on an Omniglot-layout folder of rendered glyphs (real scripts' characters in
 * several fonts, 20 jittered drawings each, 105×105 1-bit PNGs read by the {@code omniglot}
 * dataset), test characters held out. Chance is 20 %; nearest neighbour in pixel space gets
 * about 37 % on such a set (OmniglotFixtures), so the bar is well above both.
 */
class OmniglotLearningTest {

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

    private static double trainAndTest(String algorithm, String algo, String data, String model, int steps,
            String metric) {
        Algorithm a = kit.create(PluginKind.ALGORITHM, algorithm, algo, Algorithm.class);
        Dataset omniglot = kit.create(PluginKind.DATASET, "omniglot", DATASET + data + ", root = \"" + root + "\"",
                Dataset.class);
        Backbone conv4 = kit.create(PluginKind.MODEL, "conv4", model, Backbone.class);
        Optimizer adam = kit.create(PluginKind.OPTIMIZER, "adam", "lr = 0.003", Optimizer.class);
        a.init(new TestComponents(omniglot, conv4, adam, null));
        for (int s = 0; s < steps; s++) {
            try (NDManager m = kit.manager().newSubManager()) {
                a.parameters().tempAttach(m);
                a.trainStep(new Step(new TrainingClock(s, steps, 0), 0.003, m));
            }
        }
        try (NDManager m = kit.manager().newSubManager()) {
            a.parameters().tempAttach(m);
            Metrics test = a.evaluate(Split.TEST, m).metrics();
            return test.get(metric).orElseThrow();
        }
    }

    @Test
    void mamlLearnsHeldOutCharacters() {
        double acc = trainAndTest("maml", "inner-lr = 0.4, inner-steps = 1, meta-batch = 4, eval-tasks = 20,"
                + " test-tasks = 100, eval-steps = 3, eval-extra-steps = 0", "train-ways = 5",
                "channels = 16, head = linear, downsample = stride", 150, "accuracy-post");
        System.out.println("omniglot-fixture maml accuracy " + acc);
        assertTrue(acc > 0.6, "MAML 5-way 1-shot accuracy on held-out characters " + acc + " (chance 0.2)");
    }

    @Test
    void mamlppLearnsHeldOutCharactersAndEnsemblesItsBestValidations() {
        // two inner steps, so the multi-step loss (epochs of 50 steps, MSL for the first 2), the
        // per-step batch norm and the per-step rates all act; inductive statistics per step
        Algorithm a = kit.create(PluginKind.ALGORITHM, "mamlpp", "inner-lr = 0.4, inner-steps = 2, meta-batch = 4,"
                + " eval-tasks = 20, test-tasks = 100, iterations-per-epoch = 50, msl-epochs = 2, ensemble-top-k = 2",
                Algorithm.class);
        Dataset omniglot = kit.create(PluginKind.DATASET, "omniglot", DATASET + "train-ways = 5, root = \"" + root
                + "\"", Dataset.class);
        Backbone conv4 = kit.create(PluginKind.MODEL, "conv4", "channels = 16, head = linear, downsample = stride,"
                + " bn-mode = inductive", Backbone.class);
        Optimizer adam = kit.create(PluginKind.OPTIMIZER, "adam", "lr = 0.003", Optimizer.class);
        a.init(new TestComponents(omniglot, conv4, adam, null));
        int steps = 150;
        for (int s = 0; s < steps; s++) {
            try (NDManager m = kit.manager().newSubManager()) {
                a.parameters().tempAttach(m);
                a.trainStep(new Step(new TrainingClock(s, steps, 50), 0.003, m));
            }
            if (s + 1 == 50 || s + 1 == 100 || s + 1 == steps) {
                try (NDManager m = kit.manager().newSubManager()) {
                    a.parameters().tempAttach(m);
                    a.evaluate(Split.VALIDATION, m);
                }
            }
        }
        try (NDManager m = kit.manager().newSubManager()) {
            a.parameters().tempAttach(m);
            Metrics test = a.evaluate(Split.TEST, m).metrics();
            double acc = test.get("accuracy-post").orElseThrow();
            double ensemble = test.get("accuracy-post-ensemble").orElseThrow();
            System.out.println("omniglot-fixture mamlpp accuracy " + acc + ", top-2 ensemble " + ensemble);
            assertTrue(acc > 0.6, "MAML++ 5-way 1-shot accuracy on held-out characters " + acc + " (chance 0.2)");
            assertTrue(ensemble > 0.6, "MAML++ top-2 ensemble accuracy " + ensemble + " (chance 0.2)");
            assertEquals(2.0, test.get("ensemble-size").orElseThrow());
        }
    }

    @Test
    void protoNetLearnsHeldOutCharacters() {
        double acc = trainAndTest("protonet", "test-episodes = 100, eval-episodes = 20", "train-ways = 20",
                "channels = 16, bn-mode = inductive", 150, "accuracy");
        System.out.println("omniglot-fixture protonet accuracy " + acc);
        assertTrue(acc > 0.6, "ProtoNet 5-way 1-shot accuracy on held-out characters " + acc + " (chance 0.2)");
    }

    @Test
    void metaOptNetSvmLearnsHeldOutCharacters() {
        // MetaOptNet's recipe in small: trained with more shots (3) than tested (1), label smoothing.
        double acc = trainAndTest("metaoptnet", "head = svm, episodes-per-step = 2, test-episodes = 100,"
                + " eval-episodes = 20, label-smoothing = 0.1", "train-ways = 5, train-shots = 3",
                "channels = 16, bn-mode = inductive", 100, "accuracy");
        System.out.println("omniglot-fixture metaoptnet-svm accuracy " + acc);
        assertTrue(acc > 0.6, "MetaOptNet-SVM 5-way 1-shot accuracy on held-out characters " + acc + " (chance 0.2)");
    }
}
