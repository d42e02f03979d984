package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.FiniteDifferences;
import dev.meta4j.runtime.testing.PluginTestKit;
import dev.meta4j.runtime.testing.TestComponents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The meta-gradients of MAML, ANIL and Meta-SGD against float64 central finite differences of
 * the meta-loss, with respect to everything the outer loop trains (Meta-SGD: its learning rates
 * too): the whole gradient on a small network, and directional derivatives on the paper's
 * 1-40-40-1 network; FOMAML against an independent computation.
 */
class MetaGradientTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 7);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static Maml maml(String algo, String model) {
        return (Maml) learner("maml", algo, model);
    }

    private static GradientMetaLearner learner(String name, String algo, String model) {
        GradientMetaLearner maml = (GradientMetaLearner) kit.create(PluginKind.ALGORITHM, name, algo, Algorithm.class);
        Dataset sine = kit.create(PluginKind.DATASET, "sine", "", Dataset.class);
        Backbone mlp = kit.create(PluginKind.MODEL, "mlp", model, Backbone.class);
        Optimizer adam = kit.create(PluginKind.OPTIMIZER, "adam", "", Optimizer.class);
        maml.init(new TestComponents(sine, mlp, adam, null));
        return maml;
    }

    /** MAML's inner rate, or Meta-SGD's starting rates: large enough for curvature to matter. */
    private static String rate(String algorithm) {
        return algorithm.equals("metasgd") ? "lr-init = 0.05" : "inner-lr = 0.05";
    }

    @ParameterizedTest(name = "{0}, {1} inner step(s), {2}, batched={3}")
    @CsvSource({"maml, 1, relu, true", "maml, 3, relu, true", "maml, 1, tanh, true", "maml, 3, tanh, true",
        "maml, 3, relu, false", "anil, 1, tanh, true", "anil, 3, relu, true", "anil, 3, tanh, false",
        "metasgd, 1, tanh, true", "metasgd, 3, relu, true", "metasgd, 3, tanh, false"})
    void secondOrderMetaGradientMatchesFiniteDifferences(String algorithm, int innerSteps, String activation,
            boolean batched) {
        GradientMetaLearner learner = learner(algorithm, "inner-steps = " + innerSteps + ", meta-batch = 4, "
                + rate(algorithm) + ", batched = " + batched, "hidden = [10, 10], activation = " + activation);
        try (NDManager m = kit.manager().newSubManager()) {
            TaskSource source = (TaskSource) kit.create(PluginKind.DATASET, "sine", "", Dataset.class);
            TaskBatch batch = source.sample(4, new Rng(11), m);
            double[] analytic = MetaGradientCheck.assertMatches(learner, batch, innerSteps, m, name -> false);
            assertTrue(norm(analytic) > 1e-3, "gradient should not vanish: " + norm(analytic));
        }
    }

    @ParameterizedTest(name = "{0}, {1} inner step(s) on 1-40-40-1")
    @CsvSource({"maml, 1", "maml, 3", "anil, 3", "metasgd, 1", "metasgd, 3"})
    void directionalDerivativesOnPaperNetwork(String algorithm, int innerSteps) {
        GradientMetaLearner learner = learner(algorithm, "inner-steps = " + innerSteps + ", meta-batch = 25", "");
        try (NDManager m = kit.manager().newSubManager()) {
            TaskSource source = (TaskSource) kit.create(PluginKind.DATASET, "sine", "", Dataset.class);
            TaskBatch batch = source.sample(25, new Rng(3), m);
            Params init = learner.parameters();
            double[] g = FiniteDifferences.flatten(learner.metaGradient(init, batch, innerSteps).gradients());
            Rng rng = new Rng(5);
            for (int trial = 0; trial < 5; trial++) {
                double[] v = new double[g.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = rng.nextGaussian();
                }
                double analytic = dot(g, v);
                double numeric = FiniteDifferences.directional(
                        p -> learner.metaGradient(p, batch, innerSteps).queryLoss().getDouble(), init, v, 1e-6, m);
                assertEquals(numeric, analytic, 1e-5 * Math.max(1, Math.abs(numeric)),
                        "directional derivative " + trial);
            }
        }
    }

    @ParameterizedTest(name = "first order, {0} inner step(s)")
    @CsvSource({"1", "3"})
    void firstOrderIsTheQueryGradientAtTheAdaptedWeights(int innerSteps) {
        // Independent computation: adapt one task at a time without any graph, then take the
        // plain gradient of the query loss at the adapted weights; FOMAML averages these.
        Maml fo = maml("first-order = true, batched = true, meta-batch = 3, inner-lr = 0.05, inner-steps = "
                + innerSteps, "hidden = [10, 10]");
        Maml so = maml("first-order = false, batched = false, meta-batch = 3, inner-lr = 0.05, inner-steps = "
                + innerSteps, "hidden = [10, 10]");
        try (NDManager m = kit.manager().newSubManager()) {
            TaskSource source = (TaskSource) kit.create(PluginKind.DATASET, "sine", "", Dataset.class);
            TaskBatch batch = source.sample(3, new Rng(4), m);
            Params init = fo.parameters();
            double[] analytic = FiniteDifferences.flatten(fo.metaGradient(init, batch).gradients());
            double[] expected = new double[analytic.length];
            for (int t = 0; t < 3; t++) {
                TaskBatch one = batch.slice(t, t + 1);
                Params adapted = init;
                for (int k = 0; k < innerSteps; k++) {
                    Params leaf = detachedLeaves(adapted, m);
                    // a zero-step "adaptation" of the support set gives the support gradient
                    NDList g = so.metaGradient(leaf, new TaskBatch(one.supportInputs(), one.supportTargets(),
                            one.supportInputs(), one.supportTargets()), 0).gradients();
                    adapted = leaf.zip(g, (w, gw) -> w.sub(gw.mul(0.05)));
                }
                Params leaf = detachedLeaves(adapted, m);
                NDList q = so.metaGradient(leaf, one, 0).gradients();
                double[] qg = FiniteDifferences.flatten(q);
                for (int i = 0; i < qg.length; i++) {
                    expected[i] += qg[i] / 3;
                }
            }
            assertTrue(FiniteDifferences.relativeError(analytic, expected) < 1e-10,
                    "FOMAML gradient differs: " + FiniteDifferences.relativeError(analytic, expected));
        }
    }

    @org.junit.jupiter.api.Test
    void zeroEvaluationStepsMakePostEqualPre() {
        // eval-steps = 0 puts the "pre" and "post" marks on one step; both must be filled
        Maml maml = maml("eval-steps = 0, eval-extra-steps = 2, eval-tasks = 6, meta-batch = 4", "hidden = [8]");
        try (NDManager m = kit.manager().newSubManager()) {
            var metrics = maml.evaluate(dev.meta4j.api.Split.VALIDATION, m).metrics();
            double pre = metrics.get("mse-pre").getAsDouble();
            assertTrue(pre > 0.1, "an unadapted network has a real error: " + pre);
            assertEquals(pre, metrics.get("mse-post").getAsDouble(), 0);
            assertTrue(metrics.get("mse-post-2").getAsDouble() != pre, "two steps change the fit");
        }
    }

    private static Params detachedLeaves(Params p, NDManager m) {
        return p.map(w -> {
            var c = w.stopGradient().duplicate();
            c.attach(m);
            c.setRequiresGradient(true);
            return c;
        });
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }
}
