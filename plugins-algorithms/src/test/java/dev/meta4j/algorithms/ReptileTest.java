package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.algorithm.Step;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import dev.meta4j.runtime.testing.TestComponents;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reptile's rule against hand computations on a 2-parameter linear model {@code y = w x + b}
 * (float64, full-batch inner steps, so the mini-batch order cannot matter): the batched update
 * {@code W + eps (mean_i W_i - W)}, the serial one with Adam's state carried across tasks, the
 * linear annealing, and that evaluation and checkpoints leave training's numbers unchanged.
 */
class ReptileTest {

    private static PluginTestKit kit;

    // two tasks of three points each: x, y
    private static final double[][] TASK_A = {{1, 2, 3}, {2, 4, 6}};
    private static final double[][] TASK_B = {{0, 1, -1}, {1, 0, 2}};

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 3);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static Algorithm linearReptile(String settings, TaskSource source) {
        Algorithm a = SubPluginKit.reptile(kit, settings);
        Backbone line = kit.create(PluginKind.MODEL, "mlp", "hidden = []", Backbone.class);
        Optimizer unused = kit.create(PluginKind.OPTIMIZER, "adam", "", Optimizer.class);
        a.init(new TestComponents(source, line, unused, null));
        return a;
    }

    /** {w, b} of the linear model. */
    private static double[] wb(Algorithm a) {
        return new double[] {a.parameters().get("layer0.weight").toDoubleArray()[0],
            a.parameters().get("layer0.bias").toDoubleArray()[0]};
    }

    private static Metrics step(Algorithm a, long s, long total) {
        try (NDManager m = kit.manager().newSubManager()) {
            a.parameters().tempAttach(m);
            return a.trainStep(new Step(new TrainingClock(s, total, 0), 1e-3, m));
        }
    }

    /** The full-batch gradient of mean((w x + b - y)^2). */
    private static double[] gradient(double[] p, double[][] task) {
        double gw = 0;
        double gb = 0;
        int n = task[0].length;
        for (int i = 0; i < n; i++) {
            double r = p[0] * task[0][i] + p[1] - task[1][i];
            gw += 2 * r * task[0][i] / n;
            gb += 2 * r / n;
        }
        return new double[] {gw, gb};
    }

    private static double[] sgd(double[] start, double[][] task, double lr, int steps) {
        double[] p = start.clone();
        for (int k = 0; k < steps; k++) {
            double[] g = gradient(p, task);
            p[0] -= lr * g[0];
            p[1] -= lr * g[1];
        }
        return p;
    }

    /**
     * PyTorch's Adam with beta1 = 0, written out, its state carried by the caller. The runtime's
     * fused kernel takes its constants as floats (beta2, the bias-corrected rate and eps), so
     * they are rounded to float here too; the arithmetic stays float64.
     */
    private static final class HandAdam {
        final double lr;
        final double beta2 = 0.999;
        final double eps = 1e-8;
        final double[] v = new double[2];
        long t;

        HandAdam(double lr) {
            this.lr = lr;
        }

        double[] run(double[] start, double[][] task, int steps) {
            // PyTorch's Adam in float64 (what the runtime's adam computes there): beta1 = 0, so the
            // first moment is the gradient and its bias correction is 1
            double[] p = start.clone();
            for (int k = 0; k < steps; k++) {
                double[] g = gradient(p, task);
                t++;
                double sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, t));
                for (int i = 0; i < 2; i++) {
                    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                    p[i] -= lr * g[i] / (Math.sqrt(v[i]) / sqrtBc2 + eps);
                }
            }
            return p;
        }
    }

    @Test
    void batchedUpdateIsTheMeanOfTheTasksWeightsInterpolatedWithAnnealedStep() {
        Algorithm a = linearReptile("inner-optimizer { type = sgd, lr = 0.1 }, inner-iters = 2, inner-batch = 3,"
                + " meta-batch = 2, meta-step = 1.0, meta-step-final = 0.0",
                new FixedRegressionEpisodes(DataType.FLOAT64, TASK_A, TASK_B));
        double[] w0 = wb(a);
        // step 1 of 4: eps = 1/4 * 0 + 3/4 * 1
        Metrics m = step(a, 1, 4);
        double[] wa = sgd(w0, TASK_A, 0.1, 2);
        double[] wbb = sgd(w0, TASK_B, 0.1, 2);
        double eps = 0.75;
        double[] expected = {w0[0] + eps * ((wa[0] + wbb[0]) / 2 - w0[0]), w0[1] + eps * ((wa[1] + wbb[1]) / 2 - w0[1])};
        assertArrayEquals(expected, wb(a), 1e-12);
        assertEquals(0.75, m.get("meta-step").orElseThrow(), 1e-15);
        // and the change is not zero: the test could fail
        assertTrue(Math.abs(expected[0] - w0[0]) > 1e-3, Arrays.toString(expected) + " vs " + Arrays.toString(w0));
    }

    @Test
    void handComputedTwoParameterExample() {
        // one task, one SGD step from (w, b) set by hand: the paper's W + eps (W~ - W) in numbers
        Algorithm a = linearReptile("inner-optimizer { type = sgd, lr = 0.1 }, inner-iters = 1, inner-batch = 3,"
                + " meta-batch = 1, meta-step = 0.5, meta-step-final = 0.5",
                new FixedRegressionEpisodes(DataType.FLOAT64, TASK_A));
        try (var off = kit.autograd().pause()) {
            a.parameters().get("layer0.weight").set(new double[] {1.0});
            a.parameters().get("layer0.bias").set(new double[] {0.0});
        }
        // residuals w x + b - y at x = 1, 2, 3: -1, -2, -3; dL/dw = 2 (-1 - 4 - 9) / 3 = -28/3,
        // dL/db = 2 (-6) / 3 = -4; W~ = (1 + 2.8/3, 0.4); W + 0.5 (W~ - W) = (1 + 1.4/3, 0.2)
        step(a, 7, 10); // meta-step-final = meta-step: 0.5 at any step
        assertArrayEquals(new double[] {1 + 1.4 / 3, 0.2}, wb(a), 1e-12);
    }

    @Test
    void serialEqualsBatchedWithAMetaBatchOfOneAndAdamStateCarriesAcrossTasks() {
        // the plugin's batched rule with a meta-batch of 1, two outer steps on tasks A then B,
        // against the serial algorithm computed by hand: one Adam (beta1 = 0) whose second moment
        // and step count continue from task A's inner loop into task B's
        Algorithm a = linearReptile("inner-optimizer { type = adam, beta1 = 0, lr = 0.05 }, inner-iters = 3,"
                + " inner-batch = 3, meta-batch = 1, meta-step = 0.6, meta-step-final = 0.2",
                new FixedRegressionEpisodes(DataType.FLOAT64, TASK_A, TASK_B));
        double[] w = wb(a);
        HandAdam adam = new HandAdam(0.05);
        double[][][] tasks = {TASK_A, TASK_B};
        for (int s = 0; s < 2; s++) {
            double eps = (s / 2.0) * 0.2 + (1 - s / 2.0) * 0.6;
            double[] trained = adam.run(w, tasks[s], 3);
            w = new double[] {w[0] + eps * (trained[0] - w[0]), w[1] + eps * (trained[1] - w[1])};
            step(a, s, 2);
            assertArrayEquals(w, wb(a), 1e-12, "after outer step " + s);
        }
        // the same two steps with a fresh Adam for task B: other numbers, so the check could fail
        double[] w1 = wb0();
        double[] viaFresh = new HandAdam(0.05).run(w1, TASK_B, 3);
        HandAdam carried = new HandAdam(0.05);
        carried.run(w1, TASK_A, 3);
        double[] viaCarried = carried.run(w1, TASK_B, 3);
        assertTrue(Math.abs(viaFresh[0] - viaCarried[0]) > 1e-4, viaFresh[0] + " vs " + viaCarried[0]);
    }

    private static double[] wb0() {
        return new double[] {0.3, -0.2};
    }

    @Test
    void miniBatchesAreDealtFromShuffledPassesOrDrawnWithoutRepeats() {
        // without replacement: successive permutations of the 5 rows, dealt 3 at a time
        List<int[]> batches = Reptile.miniBatches(5, 3, 4, false, new Rng(11));
        Rng same = new Rng(11);
        List<Integer> stream = new ArrayList<>();
        while (stream.size() < 12) {
            for (int r : same.permutation(5)) {
                stream.add(r);
            }
        }
        for (int b = 0; b < 4; b++) {
            for (int i = 0; i < 3; i++) {
                assertEquals(stream.get(3 * b + i), batches.get(b)[i]);
            }
        }
        // with replacement: each batch distinct rows, batches independent
        for (int[] b : Reptile.miniBatches(5, 4, 50, true, new Rng(2))) {
            assertEquals(4, Arrays.stream(b).distinct().count());
        }
        assertThrows(IllegalArgumentException.class, () -> Reptile.miniBatches(3, 4, 1, true, new Rng(2)));
    }

    @Test
    void anInnerBatchLargerThanTheSupportSetWithReplacementIsRefusedNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> linearReptile("inner-batch = 4, replacement = true",
                        new FixedRegressionEpisodes(DataType.FLOAT64, TASK_A)));
        assertTrue(e.getMessage().contains("inner-batch = 4"), e.getMessage());
    }

    /** A reptile on the linear model with the context it was created from. */
    private record Made(Algorithm algorithm, PluginContext ctx) {}

    private static Made made(String settings) {
        PluginContext ctx = kit.context(PluginKind.ALGORITHM, "reptile", settings);
        Algorithm a = SubPluginKit.reptile(kit, ctx);
        Backbone line = kit.create(PluginKind.MODEL, "mlp", "hidden = []", Backbone.class);
        Optimizer unused = kit.create(PluginKind.OPTIMIZER, "adam", "", Optimizer.class);
        a.init(new TestComponents(new FixedRegressionEpisodes(DataType.FLOAT64, TASK_A, TASK_B), line, unused, null));
        return new Made(a, ctx);
    }

    private static void setWb(Algorithm a, double[] p) {
        try (var off = kit.autograd().pause()) {
            a.parameters().get("layer0.weight").set(new double[] {p[0]});
            a.parameters().get("layer0.bias").set(new double[] {p[1]});
        }
    }

    @Test
    void evaluationLeavesTrainingUntouchedAndACheckpointResumesExactly() {
        // inner batches of 2 of 3 points: the draws matter, so the generator must be restored too
        String settings = "inner-optimizer { type = adam, beta1 = 0, lr = 0.05 }, inner-iters = 3, inner-batch = 2,"
                + " eval-inner-iters = 4, eval-inner-batch = 2, meta-batch = 2, eval-tasks = 3, test-tasks = 3";
        Made plain = made(settings);
        Made evaluated = made(settings);
        step(plain.algorithm(), 0, 3);
        step(evaluated.algorithm(), 0, 3);
        long rngAfterFirst = evaluated.ctx().rng().state();
        double first;
        try (NDManager m = kit.manager().newSubManager()) {
            evaluated.algorithm().parameters().tempAttach(m);
            first = evaluated.algorithm().evaluate(Split.VALIDATION, m).metrics().get("mse-post").orElseThrow();
        }
        try (NDManager m = kit.manager().newSubManager()) {
            evaluated.algorithm().parameters().tempAttach(m);
            double again = evaluated.algorithm().evaluate(Split.VALIDATION, m).metrics().get("mse-post").orElseThrow();
            assertEquals(first, again, 0.0, "the same state evaluates to the same numbers");
        }
        assertEquals(rngAfterFirst, evaluated.ctx().rng().state(), "evaluation drew from the training generator");
        // a checkpoint after the first step (parameters, generator: the runtime's part; the inner
        // optimizer: the algorithm's), restored into a fresh instance
        StateDict saved = new StateDict(kit.manager());
        evaluated.algorithm().saveState(saved);
        double[] params = wb(evaluated.algorithm());
        Made resumed = made(settings);
        setWb(resumed.algorithm(), params);
        resumed.ctx().rng().restore(rngAfterFirst);
        resumed.algorithm().loadState(saved);
        step(plain.algorithm(), 1, 3);
        step(evaluated.algorithm(), 1, 3);
        step(resumed.algorithm(), 1, 3);
        assertArrayEquals(wb(plain.algorithm()), wb(evaluated.algorithm()), 0.0, "evaluating changed training");
        assertArrayEquals(wb(plain.algorithm()), wb(resumed.algorithm()), 0.0, "the resumed run differs");
        // the inner optimizer's state is what made it exact: without it the step differs
        Made cold = made(settings);
        setWb(cold.algorithm(), params);
        cold.ctx().rng().restore(rngAfterFirst);
        step(cold.algorithm(), 1, 3);
        assertTrue(Math.abs(wb(plain.algorithm())[0] - wb(cold.algorithm())[0]) > 1e-6,
                wb(plain.algorithm())[0] + " vs " + wb(cold.algorithm())[0]);
    }

    @Test
    void stepsAndEvaluationsLeaveNothingBehindInTheExperimentsManager() {
        // the inner optimizer is restored once per evaluation episode: the moments it replaces
        // must be freed, not kept in the long-lived manager
        Made r = made("inner-optimizer { type = adam, beta1 = 0, lr = 0.05 }, inner-iters = 3, inner-batch = 2,"
                + " meta-batch = 2, eval-inner-iters = 2, eval-inner-batch = 2, eval-tasks = 4, test-tasks = 4");
        Algorithm a = r.algorithm();
        long before = -1;
        for (int round = 0; round < 4; round++) {
            step(a, round, 4);
            try (NDManager m = kit.manager().newSubManager()) {
                a.parameters().tempAttach(m);
                a.evaluate(Split.TEST, m);
            }
            long now = kit.manager().getManagedArrays().size();
            if (round == 0) {
                before = now;
            }
            assertEquals(before, now, "arrays in the experiment's manager after round " + round);
        }
    }

    @Test
    void aFreshEvaluationStateStartsEachEpisodeFromZeroMoments() {
        // after training, the training-state evaluation differs from the fresh one, and the fresh
        // one equals the evaluation of an untrained optimizer state on the same parameters
        String settings = "inner-optimizer { type = adam, beta1 = 0, lr = 0.05 }, inner-iters = 3, inner-batch = 3,"
                + " eval-inner-iters = 2, eval-inner-batch = 3, meta-batch = 2, eval-tasks = 2, ";
        Made trained = made(settings + "eval-inner-state = training");
        Made fresh = made(settings + "eval-inner-state = fresh");
        Made cold = made(settings + "eval-inner-state = training");
        step(trained.algorithm(), 0, 2);
        step(fresh.algorithm(), 0, 2);
        setWb(cold.algorithm(), wb(trained.algorithm()));
        double a = validation(trained.algorithm());
        double b = validation(fresh.algorithm());
        double c = validation(cold.algorithm());
        assertEquals(c, b, 0.0, "fresh: as an optimizer that never stepped");
        assertTrue(Math.abs(a - b) > 1e-9, "the training state made no difference: " + a + " vs " + b);
    }

    private static double validation(Algorithm a) {
        try (NDManager m = kit.manager().newSubManager()) {
            a.parameters().tempAttach(m);
            return a.evaluate(Split.VALIDATION, m).metrics().get("mse-post").orElseThrow();
        }
    }
}
