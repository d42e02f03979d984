package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Split;
import dev.meta4j.api.StateDict;
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
 * Reptile learns to classify characters it has never seen, on the same Omniglot-layout fixture
 * as {@link OmniglotLearningTest} (5-way 1-shot, test characters held out; chance 20 %, pixel
 * nearest neighbour about 37 %): the paper's Omniglot recipe (inner Adam with beta1 = 0, batches
 * of 10 from 5 training shots per class, outer step 1 annealed to 0) shortened to 300 outer steps
 * of 3 tasks, with a larger inner rate (0.01) to learn in that time. The trained model is tested
 * transductively and, from the same parameters and inner optimizer state, not.
 */
class ReptileOmniglotTest {

    @TempDir static Path root;
    private static PluginTestKit kit;

    private static final String DATASET = "split = maml, train-characters = 40, validation-characters = 8,"
            + " rotations = none, ways = 5, shots = 1, queries = 5, train-ways = 5, train-shots = 5,"
            + " train-queries = 1, ";
    private static final String REPTILE = "inner-optimizer { type = adam, beta1 = 0, lr = 0.01 }, inner-iters = 5,"
            + " inner-batch = 10, meta-batch = 3, meta-step = 1.0, meta-step-final = 0.0, eval-inner-iters = 10,"
            + " eval-inner-batch = 5, eval-tasks = 20, test-tasks = 60, ";

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

    private static Algorithm reptile(String transductive) {
        Algorithm a = SubPluginKit.reptile(kit, REPTILE + transductive);
        Dataset omniglot = kit.create(PluginKind.DATASET, "omniglot", DATASET + "root = \"" + root + "\"",
                Dataset.class);
        Backbone conv4 = kit.create(PluginKind.MODEL, "conv4", "channels = 16, head = linear, downsample = stride",
                Backbone.class);
        Optimizer unused = kit.create(PluginKind.OPTIMIZER, "adam", "", Optimizer.class);
        a.init(new TestComponents(omniglot, conv4, unused, null));
        return a;
    }

    private static double test(Algorithm a) {
        try (NDManager m = kit.manager().newSubManager()) {
            a.parameters().tempAttach(m);
            Metrics test = a.evaluate(Split.TEST, m).metrics();
            System.out.println("omniglot-fixture reptile " + test);
            return test.get("accuracy-post").orElseThrow();
        }
    }

    @Test
    void reptileLearnsHeldOutCharacters() {
        int steps = 300;
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        Algorithm a = reptile("transductive = true");
        for (int s = 0; s < steps; s++) {
            try (NDManager m = kit.manager().newSubManager()) {
                a.parameters().tempAttach(m);
                a.trainStep(new Step(new TrainingClock(s, steps, 0), 0.0, m));
            }
        }
        double transductive = test(a);
        Algorithm b = reptile("transductive = false");
        StateDict state = new StateDict(kit.manager());
        a.saveState(state);
        b.loadState(state);
        try (var off = kit.autograd().pause()) {
            for (int i = 0; i < a.parameters().size(); i++) {
                b.parameters().arrays().get(i).set(a.parameters().arrays().get(i).toByteBuffer());
            }
        }
        double inductive = test(b);
        // this thread's CPU time (libtorch runs single-threaded in it): the cost on an idle core
        System.out.printf("omniglot-fixture reptile: %.1f s of CPU%n", (threads.getCurrentThreadCpuTime() - cpu0) / 1e9);
        assertTrue(transductive > 0.5, "Reptile 5-way 1-shot accuracy on held-out characters " + transductive
                + " (chance 0.2), transductive");
        assertTrue(inductive > 0.5, "Reptile 5-way 1-shot accuracy on held-out characters " + inductive
                + " (chance 0.2), each query with the support set");
    }
}
