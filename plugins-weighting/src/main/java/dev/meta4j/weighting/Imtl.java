package dev.meta4j.weighting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;

/**
 * IMTL-G, the gradient half of impartial multi-task learning (Liu, Li, Kuang, Xue, Chen, Yang,
 * Liao &amp; Zhang, <i>Towards Impartial Multi-task Learning</i>, ICLR 2021), on the gradients of
 * the shared parameters ({@link Need#SHARED_GRADIENTS}).
 *
 * <p>The combined gradient {@code g = sum_i alpha_i g_i} with {@code sum_i alpha_i = 1} has equal
 * projections on every unit task gradient {@code u_i = g_i / |g_i|}. In closed form, with {@code
 * D} the rows {@code g_1 - g_j} and {@code U} the rows {@code u_1 - u_j} ({@code j = 2..K}):
 * {@code alpha_{2..K} = g_1 U^T (D U^T)^-1}, {@code alpha_1 = 1 - sum alpha_{2..K}}, all from the
 * Gram matrix. {@code D U^T} is inverted by a pseudo-inverse (singular values below {@code
 * 1e-10} of the largest dropped for float64 gradients, {@code 1e-5} for lower precision, where the
 * Gram matrix carries about that much rounding): identical or parallel gradients make it singular
 * (the Nash-MTL code adds {@code 1e-8 I} instead, which gives the same weights up to {@code
 * 1e-8}). A zero gradient gets {@code u_i = 0} instead of the official NaN.
 *
 * <p><b>Heads:</b> {@code head-weights = alpha} (default) weights head {@code i} by {@code
 * alpha_i}, as the Nash-MTL/FAMO code does by back-propagating {@code sum_i alpha_i l_i}; {@code
 * one} gives each head its own unweighted gradient, as in the paper's algorithm (where the
 * task-specific parameters follow their raw, or IMTL-L-scaled, losses).
 */
public final class Imtl implements WeightingMethod {

    private final boolean headsAlpha;

    Imtl(Config c) {
        this.headsAlpha = c.getString("head-weights").equals("alpha");
    }

    @Override
    public Need need(long step) {
        return Need.SHARED_GRADIENTS;
    }

    @Override
    public Combination combine(TaskSignals s) {
        NDArray g = TaskGradients.require(s.sharedGradients(), "imtl");
        int k = s.taskCount();
        double rcond = g.getDataType() == DataType.FLOAT64 ? 1e-10 : 1e-5;
        double[] alpha = weights(TaskGradients.gram(g), rcond);
        NDArray shared = TaskGradients.combine(alpha, g, s.manager());
        DataType type = s.losses().getDataType();
        NDArray logged = LossVectors.constant(s.manager(), alpha, type);
        NDArray heads = headsAlpha ? logged : LossVectors.constant(s.manager(), TaskGradients.ones(k), type);
        return new Combination.SharedGradient(shared, heads, logged);
    }

    /**
     * IMTL-G's weights.
     *
     * @param gram {@code G G^T}
     * @param rcond relative cut-off of the pseudo-inverse
     * @return {@code alpha}, summing to 1
     */
    static double[] weights(double[][] gram, double rcond) {
        int k = gram.length;
        double[] alpha = new double[k];
        if (k == 1) {
            alpha[0] = 1;
            return alpha;
        }
        double[] inv = new double[k]; // 1 / |g_i|, or 0 for a zero gradient
        for (int i = 0; i < k; i++) {
            double n = Math.sqrt(Math.max(gram[i][i], 0));
            inv[i] = n > 0 ? 1 / n : 0;
        }
        // x . u_j = (G G^T)_{x j} / |g_j|
        int n = k - 1;
        double[] r = new double[n];
        double[][] m = new double[n][n];
        for (int b = 0; b < n; b++) {
            int j = b + 1;
            r[b] = gram[0][0] * inv[0] - gram[0][j] * inv[j];
            for (int a = 0; a < n; a++) {
                int i = a + 1;
                // (g_1 - g_i) . (u_1 - u_j)
                m[a][b] = gram[0][0] * inv[0] - gram[0][j] * inv[j] - gram[i][0] * inv[0] + gram[i][j] * inv[j];
            }
        }
        double[][] pinv = SmallLinearAlgebra.pseudoInverse(m, rcond);
        double sum = 0;
        for (int b = 0; b < n; b++) {
            double v = 0;
            for (int a = 0; a < n; a++) {
                v += r[a] * pinv[a][b];
            }
            alpha[b + 1] = v;
            sum += v;
        }
        alpha[0] = 1 - sum;
        return alpha;
    }

    /** Registers {@code imtl}. */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {
        @Override
        public String name() {
            return "imtl";
        }

        @Override
        public String summary() {
            return "IMTL-G (Liu et al. 2021): combined gradient with equal projections on every task's unit gradient";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            return new Imtl(ctx.config());
        }
    }
}
