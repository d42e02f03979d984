package com.example.gls;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;

/**
 * The Geometric Loss Strategy (GLS) of Chennupati, Sistu, Yogamani and Rawashdeh, "MultiNet++:
 * Multi-Stream Feature Aggregation and Geometric Loss Strategy for Multi-Task Learning" (CVPR
 * Workshops 2019): the objective is the geometric mean of the {@code K} task losses,
 *
 * <pre>
 *   G = (prod_i L_i)^(1/K),  computed as  exp(mean_i log(L_i + eps))
 * </pre>
 *
 * <p>The log form is the same number without the product's overflow or underflow when many
 * losses are large or small. {@code eps} ({@code reference.conf}, default 1e-8; 0 is the paper's
 * exact form) keeps a zero loss from zeroing the objective. Since {@code dG/dL_i = G / (K (L_i +
 * eps))}, a task whose loss is small gets a large effective weight: the objective cares about
 * ratios of losses, not their scales. Those effective weights are what the method logs ({@code
 * weight/<task>} in {@code metrics.jsonl}).
 *
 * <p>Loss-based ({@link Need#LOSSES}): one backward pass, no state, no parameters, no randomness.
 */
public final class GeometricLossStrategy implements WeightingMethod {

    private final double eps;

    GeometricLossStrategy(double eps) {
        this.eps = eps;
    }

    @Override
    public Need need(long step) {
        return Need.LOSSES;
    }

    @Override
    public void init(int taskCount) {
        if (taskCount < 1) {
            throw new IllegalArgumentException("gls needs at least one task, got " + taskCount);
        }
    }

    /**
     * The geometric mean of the losses, recorded, with its gradient with respect to each loss as
     * the logged weights.
     *
     * @throws IllegalArgumentException if a loss plus {@code eps} is not positive, where the
     *     logarithm is undefined
     */
    @Override
    public Combination combine(TaskSignals signals) {
        NDArray losses = signals.losses();
        NDManager step = signals.manager();
        DataType type = losses.getDataType();
        double[] l = losses.stopGradient().toType(DataType.FLOAT64, false).toDoubleArray();
        int k = l.length;
        double meanLog = 0;
        for (int i = 0; i < k; i++) {
            // NaN passes on: the trainer reports a diverged run, which is what happened.
            if (l[i] + eps <= 0) {
                throw new IllegalArgumentException("gls: the loss of task " + i + " is " + l[i] + "; the geometric mean needs"
                        + " losses > -eps (eps = " + eps + ")" + (eps == 0 ? "; set weighting.eps > 0 for zero losses" : ""));
            }
            meanLog += StrictMath.log(l[i] + eps) / k;
        }
        double g = StrictMath.exp(meanLog);
        double[] weights = new double[k];
        for (int i = 0; i < k; i++) {
            weights[i] = g / (k * (l[i] + eps));
        }
        // Recorded: Scalar.of rather than add(eps), whose Number operand could be freed before the backward pass.
        NDArray objective = losses.add(Scalar.of(step, eps, type)).log().mean().exp();
        return new Combination.Objective(objective, Scalar.vector(step, weights, type));
    }

    /** Registers {@code gls} ({@code weighting { type = gls }}). */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {

        /** A public no-argument constructor, for ServiceLoader. */
        public Factory() {}

        @Override
        public String name() {
            return "gls";
        }

        @Override
        public String summary() {
            return "Geometric Loss Strategy (Chennupati et al. 2019): the geometric mean of the task losses";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            return new GeometricLossStrategy(ctx.config().getDouble("eps"));
        }
    }
}
