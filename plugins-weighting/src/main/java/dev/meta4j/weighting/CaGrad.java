package dev.meta4j.weighting;

import ai.djl.ndarray.NDArray;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;

/**
 * CAGrad, conflict-averse gradient descent (Liu, Liu, Jin, Stone &amp; Liu, <i>Conflict-Averse
 * Gradient Descent for Multi-task Learning</i>, NeurIPS 2021), on the gradients of the shared
 * parameters ({@link Need#SHARED_GRADIENTS}), following the official code (CAGrad repository,
 * also in the Nash-MTL and FAMO repositories).
 *
 * <p>{@link CaGradDual} minimises {@code x^T A b + c' sqrt(x^T A x + 1e-8)} over the simplex
 * ({@code A = G G^T}, {@code b = 1/K}, {@code c' = c sqrt(mean(A) + 1e-8) + 1e-8}); then {@code
 * g_w = G^T x}, {@code g = mean_i g_i + c' / (|g_w| + 1e-8) g_w}, divided by {@code 1 + c^2}
 * ({@code rescale = 1}, the default of the official and FAMO code), by 1 ({@code rescale = 0}) or
 * by {@code 1 + c} ({@code rescale = 2}), and multiplied by {@code K} "to match the sum loss" as
 * the official {@code overwrite_grad} does. The update is therefore {@code sum_i w_i g_i} with
 * {@code w_i = (1 + K lambda x_i) / rescale}, which {@link Combination#taskWeights()} reports.
 * With {@code c = 0} it is the sum of the task gradients (K times their mean). Heads get their
 * own gradients with weight 1, as in the official code (each head accumulates only its own
 * task's backward pass). Unlike the FAMO repository's variant, the shared gradient is not clipped.
 */
public final class CaGrad implements WeightingMethod {

    private final double c;
    private final int rescale;

    CaGrad(Config config) {
        this.c = config.getDouble("c");
        this.rescale = config.getInt("rescale");
    }

    @Override
    public Need need(long step) {
        return Need.SHARED_GRADIENTS;
    }

    @Override
    public Combination combine(TaskSignals s) {
        NDArray g = TaskGradients.require(s.sharedGradients(), "cagrad");
        int k = s.taskCount();
        double[] w = weights(TaskGradients.gram(g), c, rescale);
        NDArray shared = TaskGradients.combine(w, g, s.manager());
        NDArray heads = LossVectors.constant(s.manager(), TaskGradients.ones(k), s.losses().getDataType());
        NDArray logged = LossVectors.constant(s.manager(), w, s.losses().getDataType());
        return new Combination.SharedGradient(shared, heads, logged);
    }

    /**
     * The coefficients of the CAGrad update {@code sum_i w_i g_i}.
     *
     * @param gram {@code G G^T}
     * @param c the conflict-aversion radius
     * @param rescale 0, 1 or 2 as in the official code
     * @return the coefficients
     */
    static double[] weights(double[][] gram, double c, int rescale) {
        int k = gram.length;
        CaGradDual.Solution sol = CaGradDual.solve(gram, c);
        double[] x = sol.x();
        double gwNorm = Math.sqrt(Math.max(SmallLinearAlgebra.quadratic(gram, x), 0));
        double lambda = sol.c() / (gwNorm + 1e-8);
        double divisor = switch (rescale) {
            case 0 -> 1;
            case 1 -> 1 + c * c;
            case 2 -> 1 + c;
            default -> throw new IllegalArgumentException("rescale must be 0, 1 or 2, not " + rescale);
        };
        double[] w = new double[k];
        for (int i = 0; i < k; i++) {
            w[i] = (1 + k * lambda * x[i]) / divisor;
        }
        return w;
    }

    /** Registers {@code cagrad}. */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {
        @Override
        public String name() {
            return "cagrad";
        }

        @Override
        public String summary() {
            return "CAGrad (Liu et al. 2021): best worst-task improvement within a ball around the mean gradient";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            return new CaGrad(ctx.config());
        }
    }
}
