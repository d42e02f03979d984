package dev.meta4j.weighting;

import ai.djl.ndarray.NDArray;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;

/**
 * PCGrad, projecting conflicting gradients (Yu et al., <i>Gradient Surgery for Multi-Task
 * Learning</i>, NeurIPS 2020), on the gradients of the shared parameters ({@link
 * Need#SHARED_GRADIENTS}). Each task gradient {@code g_i} is visited against every other task's
 * original gradient {@code g_j}, in a random order drawn per task and step from the plugin's
 * seeded generator; whenever the running {@code g_i^PC . g_j < 0} it is projected onto the normal
 * plane of {@code g_j}. The shared update is {@code sum_i g_i^PC} ({@code reduction = sum}, as the
 * Nash-MTL/FAMO repositories) or its mean; each head gets its own gradient with weight 1.
 *
 * <p><b>Clipping</b> ({@code max-norm}). The paper, its official code (Yu et al.'s TensorFlow
 * repository), the PyTorch port that the Nash-MTL and FAMO repositories modified (Tseng's {@code
 * Pytorch-PCGrad}) and the Nash-MTL repository do not clip the update. The FAMO repository does:
 * its {@code PCGrad.backward} ends with {@code clip_grad_norm_(shared_parameters, max_norm)},
 * {@code max_norm = 1.0} by default, so its PCGrad numbers are of the update clipped to norm 1.
 * {@code max-norm = 1} reproduces that exactly: the shared update (not the heads' gradients) is
 * scaled by {@code max-norm / (|u| + 1e-6)} when {@code |u| > max-norm}, as {@code
 * clip_grad_norm_} does. The default, 0, follows the paper and does not clip. (One more
 * difference from both repositories, unchanged: they shuffle a list that includes task {@code i}
 * itself, meta4j visits only the other tasks, as the paper's algorithm does.)
 *
 * <p>Every projected gradient is a linear combination of the original ones, so the projections
 * run on the Gram matrix alone: {@code g_i^PC = sum_k C_ik g_k}, {@code g_i^PC . g_j = sum_k C_ik
 * (G G^T)_kj}; the update is {@code sum_k w_k g_k} with {@code w_k = sum_i C_ik}, which is also
 * what {@link Combination#taskWeights()} reports (after clipping, if any). The update's norm for
 * the clipping is {@code sqrt(w^T G G^T w)}, from the Gram matrix too. A zero gradient is never
 * projected onto (its inner products are 0), so no norm is divided by zero.
 */
public final class PcGrad implements WeightingMethod {

    private final boolean mean;
    private final double maxNorm;
    private final Rng rng;

    PcGrad(Config c, Rng rng) {
        this.mean = c.getString("reduction").equals("mean");
        this.maxNorm = c.getDouble("max-norm");
        this.rng = rng;
    }

    @Override
    public Need need(long step) {
        return Need.SHARED_GRADIENTS;
    }

    @Override
    public Combination combine(TaskSignals s) {
        NDArray g = TaskGradients.require(s.sharedGradients(), "pcgrad");
        int k = s.taskCount();
        double[][] gram = TaskGradients.gram(g);
        int[][] orders = drawOrders(k, rng);
        double[] w = weights(gram, orders);
        if (mean) {
            for (int i = 0; i < k; i++) {
                w[i] /= k;
            }
        }
        clip(w, gram, maxNorm);
        NDArray shared = TaskGradients.combine(w, g, s.manager());
        NDArray heads = LossVectors.constant(s.manager(), TaskGradients.ones(k), s.losses().getDataType());
        NDArray logged = LossVectors.constant(s.manager(), w, s.losses().getDataType());
        return new Combination.SharedGradient(shared, heads, logged);
    }

    /**
     * Scales the coefficients of {@code u = sum_k w_k g_k} so that {@code |u|} is at most {@code
     * maxNorm}, exactly as {@code torch.nn.utils.clip_grad_norm_} does ({@code maxNorm / (|u| +
     * 1e-6)} when {@code |u| > maxNorm}); {@code maxNorm = 0} leaves them alone.
     *
     * @param w the coefficients, scaled in place
     * @param gram {@code G G^T}
     * @param maxNorm the largest norm, or 0
     */
    static void clip(double[] w, double[][] gram, double maxNorm) {
        if (maxNorm <= 0) {
            return;
        }
        double norm = Math.sqrt(Math.max(SmallLinearAlgebra.quadratic(gram, w), 0));
        if (norm > maxNorm) {
            double scale = maxNorm / (norm + 1e-6);
            for (int i = 0; i < w.length; i++) {
                w[i] *= scale;
            }
        }
    }

    /**
     * For each task, a random order of the other tasks.
     *
     * @param k the number of tasks
     * @param rng the generator
     * @return {@code orders[i]}: the other tasks in the order task {@code i} meets them
     */
    static int[][] drawOrders(int k, Rng rng) {
        int[][] orders = new int[k][];
        for (int i = 0; i < k; i++) {
            int[] others = new int[k - 1];
            for (int j = 0, n = 0; j < k; j++) {
                if (j != i) {
                    others[n++] = j;
                }
            }
            rng.shuffle(others);
            orders[i] = others;
        }
        return orders;
    }

    /**
     * The coefficients {@code w_k} of {@code sum_i g_i^PC = sum_k w_k g_k}.
     *
     * @param gram {@code G G^T}
     * @param orders per task, the order of the other tasks
     * @return the coefficients
     */
    static double[] weights(double[][] gram, int[][] orders) {
        int k = gram.length;
        double[] w = new double[k];
        double[] c = new double[k];
        for (int i = 0; i < k; i++) {
            java.util.Arrays.fill(c, 0);
            c[i] = 1;
            for (int j : orders[i]) {
                double dot = 0;
                for (int m = 0; m < k; m++) {
                    dot += c[m] * gram[m][j];
                }
                if (dot < 0 && gram[j][j] > 0) {
                    c[j] -= dot / gram[j][j];
                }
            }
            for (int m = 0; m < k; m++) {
                w[m] += c[m];
            }
        }
        return w;
    }

    /** Registers {@code pcgrad}. */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {
        @Override
        public String name() {
            return "pcgrad";
        }

        @Override
        public String summary() {
            return "PCGrad (Yu et al. 2020): project each task gradient off the task gradients it conflicts with"
                    + " (optionally clipped, as the FAMO repository does)";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            return new PcGrad(ctx.config(), ctx.rng());
        }
    }
}
