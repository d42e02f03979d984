package dev.meta4j.weighting;

import ai.djl.ndarray.NDArray;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;
import java.util.List;

/**
 * FAMO, fast adaptive multitask optimization (Liu, Liu, Jin, Stone &amp; Liu, NeurIPS 2023):
 * decreases all task losses at a balanced rate with O(1) space and time per step.
 *
 * <p>Task logits {@code w} (start 0), weights {@code z = softmax(w)}. With {@code D_i = l_i -
 * l*_i + eps} ({@code eps = 1e-8}, {@code l*} = {@code min-losses}, default 0) the model
 * minimises
 *
 * <pre>
 *   sum_i c z_i log D_i,    c = 1 / sum_i (z_i / D_i)   (c and z constants)
 * </pre>
 *
 * whose gradient is {@code sum_i (c z_i / D_i) grad l_i}, the paper's update direction (Alg. 1).
 * After the model's step the losses {@code l'} of the same batch come back through {@link
 * #afterStep}, and the logits take one Adam step ({@code w-lr}, L2 weight decay {@code gamma}
 * added to the gradient, PyTorch's betas and eps) along
 *
 * <pre>
 *   J_softmax(w)^T delta,   delta_i = log D_i(l) - log D_i(l'),   i.e.  g_j = z_j (delta_j - sum_i z_i delta_i)
 * </pre>
 *
 * <p>Checked against: the paper's Algorithm 1 (the same {@code c}, {@code z}, {@code delta} and
 * logit gradient {@code J^T delta + gamma w}; the paper writes a plain gradient step, its code
 * Adam with {@code weight_decay = gamma}, which this follows), the authors' {@code FAMO} class
 * ({@code methods/weight_methods.py} in Cranial-XIX/FAMO: {@code get_weighted_loss} and {@code
 * update}), LibMTL's port, and the team's {@code reference/mtl_weighting.py}; the golden test
 * replays that class in float64 through several steps (K = 2, 3, 5, degenerate losses, {@code
 * l*}, other {@code gamma} and {@code w-lr}).
 *
 * <p>Loss-based ({@link Need#LOSSES}), {@link #wantsLossesAfterStep()} true. The logits and the
 * Adam moments are {@code K} Java doubles (no tensor work), saved by {@link #saveState}. The
 * logged weights are {@code z} (as the paper and the authors' code report them); the effective
 * weights on the losses are {@code c z_i / D_i}. One guard beyond the paper: a loss below its
 * {@code l*} (a mis-set {@code min-losses}) counts as {@code D_i = eps} with gradient 1 instead
 * of giving {@code log} of a negative number (NaN); with {@code l* = 0} and non-negative losses
 * this never applies. The authors' {@code max_norm} is not applied: their code clips before
 * {@code backward()}, which leaves FAMO's gradient unclipped.
 */
public final class Famo implements WeightingMethod {

    /** The epsilon inside every log, as in the authors' code. */
    static final double EPS = 1e-8;

    private final double[] minLosses;
    private final DoubleAdam adam;

    private final boolean updateLogits;
    private double[] logits;
    private double[] pendingLosses;

    Famo(double gamma, double wLr, double[] minLosses) {
        this(gamma, wLr, minLosses, true);
    }

    /**
     * @param updateLogits false only to measure the O(1) core without the post-step forward pass
     *     (the logits then stay at their start, as in the reference script's {@code --famo-update
     *     none})
     */
    Famo(double gamma, double wLr, double[] minLosses, boolean updateLogits) {
        this.updateLogits = updateLogits;
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("famo.gamma must be finite and >= 0, got " + gamma);
        }
        if (!(wLr > 0) || Double.isInfinite(wLr)) {
            throw new IllegalArgumentException("famo.w-lr must be positive and finite, got " + wLr);
        }
        this.minLosses = minLosses == null ? null : minLosses.clone();
        this.adam = new DoubleAdam(wLr, gamma);
    }

    @Override
    public Need need(long step) {
        return Need.LOSSES;
    }

    @Override
    public boolean wantsLossesAfterStep() {
        return updateLogits;
    }

    /** A min-losses list of the wrong length is a config error, found before training starts. */
    @Override
    public void init(int taskCount) {
        checkMinLosses(taskCount);
    }

    private void checkMinLosses(int k) {
        if (minLosses != null && minLosses.length != k) {
            throw new IllegalArgumentException("famo.min-losses has " + minLosses.length + " values for " + k
                    + " tasks; give one lower bound per task, or null for all 0");
        }
    }

    @Override
    public Combination combine(TaskSignals signals) {
        NDArray losses = signals.losses();
        double[] l = LossVectors.values(losses);
        int k = l.length;
        if (logits == null) {
            logits = new double[k];
        }
        LossVectors.checkTaskCount("famo", logits.length, k);
        checkMinLosses(k);
        double[] z = StableSoftmax.of(logits);
        // D_i = l_i - shift_i + eps, shift_i = l*_i, or l_i itself for a loss below its l*
        double[] shift = new double[k];
        double inverseC = 0;
        for (int i = 0; i < k; i++) {
            shift[i] = Math.min(minLoss(i), l[i]);
            inverseC += z[i] / (l[i] - shift[i] + EPS);
        }
        double c = 1 / inverseC;
        double[] coefficient = new double[k];
        for (int i = 0; i < k; i++) {
            coefficient[i] = c * z[i];
        }
        var type = losses.getDataType();
        // Scalar.of rather than add(Number) on a recorded array (see Scalar): add saves nothing for
        // the backward pass, but the rule is kept without exceptions.
        NDArray objective = losses.sub(LossVectors.constant(signals.manager(), shift, type))
                .add(Scalar.of(signals.manager(), EPS, type))
                .log()
                .mul(LossVectors.constant(signals.manager(), coefficient, type))
                .sum();
        pendingLosses = l;
        return new Combination.Objective(objective, LossVectors.constant(signals.manager(), z, type));
    }

    @Override
    public void afterStep(NDArray lossesAfter) {
        if (pendingLosses == null) {
            throw new IllegalStateException("famo.afterStep without a preceding combine");
        }
        double[] after = LossVectors.values(lossesAfter);
        LossVectors.checkTaskCount("famo", pendingLosses.length, after.length);
        double[] delta = new double[after.length];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = logGap(i, pendingLosses[i]) - logGap(i, after[i]);
        }
        adam.step(logits, logitGradient(StableSoftmax.of(logits), delta));
        pendingLosses = null;
    }

    /**
     * {@code J_softmax(w)^T delta} for {@code z = softmax(w)}: {@code J_ij = z_i (1[i = j] - z_j)},
     * so entry {@code j} is {@code z_j (delta_j - sum_i z_i delta_i)}.
     *
     * @param z the softmax of the logits
     * @param delta the log-loss decreases
     * @return the gradient of the logits
     */
    static double[] logitGradient(double[] z, double[] delta) {
        double mean = 0;
        for (int i = 0; i < z.length; i++) {
            mean += z[i] * delta[i];
        }
        double[] g = new double[z.length];
        for (int j = 0; j < z.length; j++) {
            g[j] = z[j] * (delta[j] - mean);
        }
        return g;
    }

    private double minLoss(int i) {
        return minLosses == null ? 0 : minLosses[i];
    }

    /** {@code log(l - l* + eps)}, with a loss below its {@code l*} taken as at it. */
    private double logGap(int i, double loss) {
        return StrictMath.log(Math.max(loss - minLoss(i), 0) + EPS);
    }

    /**
     * The current task logits, for tests.
     *
     * @return a copy, or null before the first step
     */
    double[] logits() {
        return logits == null ? null : logits.clone();
    }

    @Override
    public void saveState(StateDict state) {
        if (logits != null) {
            state.putNumbers("logits", logits);
        }
        if (pendingLosses != null) {
            state.putNumbers("pending-losses", pendingLosses);
        }
        adam.saveState(state.scope("adam"));
    }

    @Override
    public void loadState(StateDict state) {
        logits = state.contains("logits") ? state.getNumbers("logits") : null;
        pendingLosses = state.contains("pending-losses") ? state.getNumbers("pending-losses") : null;
        adam.loadState(state.scope("adam"));
    }

    /** Registers {@code famo}. */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {
        @Override
        public String name() {
            return "famo";
        }

        @Override
        public String summary() {
            return "FAMO (Liu et al. 2023): balanced loss decrease with O(1) cost, logits learned from the losses";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            Config c = ctx.config();
            double[] minLosses = null;
            if (c.hasPath("min-losses")) {
                List<Double> list = c.getDoubleList("min-losses");
                minLosses = list.stream().mapToDouble(Double::doubleValue).toArray();
            }
            return new Famo(c.getDouble("gamma"), c.getDouble("w-lr"), minLosses,
                    c.getString("update").equals("after-step"));
        }
    }
}
