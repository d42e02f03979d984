package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.runtime.testing.FiniteDifferences;
import java.util.function.Predicate;

/** The meta-gradient check the meta-learners' tests share: against float64 central finite differences. */
final class MetaGradientCheck {

    private MetaGradientCheck() {
    }

    /**
     * Asserts that a learner's meta-gradient at its parameters matches central finite differences
     * of its meta-loss (relative error below 1e-5) and that every entry the outer loop trains
     * gets a gradient.
     *
     * @param learner the learner
     * @param batch the meta-batch
     * @param steps the inner steps
     * @param m where the arrays go
     * @param exactlyZero entries whose gradient is zero by construction, exempt from the last check
     * @return the analytic gradient, flattened
     */
    static double[] assertMatches(GradientMetaLearner learner, TaskBatch batch, int steps, NDManager m,
            Predicate<String> exactlyZero) {
        return assertMatches(learner, batch, steps, null, m, exactlyZero);
    }

    /**
     * The same at a point of training, for meta-losses that follow the clock (MAML++'s
     * multi-step loss weights and derivative order).
     *
     * @param clock where training stands, or null
     */
    static double[] assertMatches(GradientMetaLearner learner, TaskBatch batch, int steps, TrainingClock clock,
            NDManager m, Predicate<String> exactlyZero) {
        Params init = learner.parameters();
        NDList grads = learner.metaGradient(init, batch, steps, clock).gradients();
        double[] analytic = FiniteDifferences.flatten(grads);
        double[] numeric = FiniteDifferences.gradient(
                p -> learner.metaGradient(p, batch, steps, clock).queryLoss().getDouble(), init, 1e-6, m);
        double err = FiniteDifferences.relativeError(analytic, numeric);
        assertTrue(err < 1e-5, "relative error " + err);
        // every part the outer loop trains gets a gradient: ANIL's encoder, Meta-SGD's rates
        for (int i = 0; i < init.size(); i++) {
            String name = init.names().get(i);
            if (!exactlyZero.test(name)) {
                double n = norm(FiniteDifferences.flatten(new NDList(grads.get(i))));
                assertTrue(n > 1e-8, name + " gets no meta-gradient");
            }
        }
        return analytic;
    }

    static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
