package dev.meta4j.weighting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;
import java.util.Arrays;

/**
 * Uncertainty weighting (UW; Kendall, Gal &amp; Cipolla, "Multi-Task Learning Using Uncertainty to
 * Weigh Losses for Scene Geometry and Semantics", CVPR 2018): one learned log-variance {@code
 * s_i = log sigma_i^2} per task and the objective
 *
 * <pre>
 *   sum_i 0.5 * (exp(-s_i) * l_i + s_i)
 * </pre>
 *
 * exactly the form of LibMTL ({@code l / (2 exp(s)) + s / 2}) and of the FAMO/Nash-MTL
 * repositories ({@code 0.5 (exp(-s) l + s)}): the paper's regression form ({@code l / (2
 * sigma^2) + log sigma}) used for every task, as those implementations do, rather than its
 * classification variant {@code l / sigma^2 + log sigma}.
 *
 * <p>Loss-based ({@link Need#LOSSES}). The {@code s_i} are returned by {@link #parameters()}
 * (one {@code [K]} array named {@code uw.log-variance}, created once in the experiment's
 * manager with {@code requiresGradient}) and trained by the model's optimizer; the objective
 * carries their gradient {@code 0.5 (1 - exp(-s_i) l_i)}. They start at {@code
 * init-log-variance} (0, as the FAMO and Nash-MTL repositories; LibMTL starts at -0.5). The
 * logged weights are the effective weights on the losses, {@code 0.5 exp(-s_i)}, as LibMTL
 * returns (the FAMO repo logs {@code exp(-s_i)}). The parameters are created in {@link
 * #init(int)}, when the algorithm says how many tasks there are; a configured {@code tasks}
 * creates them at once and is then checked against that count.
 */
public final class UncertaintyWeighting implements WeightingMethod {

    /** The name of the log-variance parameter. */
    static final String PARAMETER = "uw.log-variance";

    private final double initialValue;
    private final NDManager manager;
    private final DataType dataType;
    private final Autograd autograd;
    private int tasks;
    private NDArray logVariance;
    private Params params;

    UncertaintyWeighting(Integer tasks, double init, NDManager manager, DataType dataType, Autograd autograd) {
        if (!Double.isFinite(init)) {
            throw new IllegalArgumentException("uw.init-log-variance must be finite, got " + init);
        }
        this.initialValue = init;
        this.manager = manager;
        this.dataType = dataType;
        this.autograd = autograd;
        if (tasks != null) {
            create(tasks);
        }
    }

    private void create(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("uw needs at least 1 task, got " + count);
        }
        this.tasks = count;
        double[] values = new double[count];
        Arrays.fill(values, initialValue);
        this.logVariance = LossVectors.constant(manager, values, dataType);
        this.logVariance.setRequiresGradient(true);
        this.params = Params.builder().add(PARAMETER, logVariance).build();
    }

    @Override
    public void init(int taskCount) {
        if (params == null) {
            create(taskCount);
        } else if (taskCount != tasks) {
            throw new IllegalArgumentException("uw.tasks = " + tasks + ", but the algorithm weights " + taskCount
                    + " tasks; leave uw.tasks unset");
        }
    }

    @Override
    public Need need(long step) {
        return Need.LOSSES;
    }

    @Override
    public Params parameters() {
        if (params == null) {
            throw new IllegalStateException("uw has no parameters before init(taskCount)");
        }
        return params;
    }

    @Override
    public Combination combine(TaskSignals signals) {
        NDArray losses = signals.losses();
        LossVectors.checkTaskCount("uw", tasks, signals.taskCount());
        // s enters the graph through an op whose first operand lives in the step's manager, so
        // that every result (and its graph) is freed with the step, not kept by the parameter.
        NDArray s = signals.manager().zeros(logVariance.getShape(), logVariance.getDataType()).add(logVariance);
        if (s.getDataType() != losses.getDataType()) {
            s = s.toType(losses.getDataType(), false);
        }
        NDArray precision = s.neg().exp();
        // Scalar.of, not mul(0.5): the recorded product saves its scalar for the backward pass.
        NDArray half = Scalar.of(signals.manager(), 0.5, losses.getDataType());
        NDArray objective = losses.mul(precision).add(s).mul(half).sum();
        NDArray weights = precision.stopGradient().mul(0.5);
        return new Combination.Objective(objective, weights);
    }

    @Override
    public void saveState(StateDict state) {
        state.putArray("log-variance", logVariance);
    }

    @Override
    public void loadState(StateDict state) {
        if (!state.contains("log-variance")) {
            return; // the runtime may restore the parameter with the model's; nothing else to restore
        }
        NDArray saved = state.getArray("log-variance");
        if (!saved.getShape().equals(logVariance.getShape())) {
            throw new IllegalStateException("checkpoint has " + saved.getShape() + " log-variances, uw has "
                    + logVariance.getShape());
        }
        try (Autograd.Scope off = autograd.pause();
                NDArray converted = saved.toType(logVariance.getDataType(), true)) {
            logVariance.set(converted.toByteBuffer());
        }
    }

    /** Registers {@code uw}. */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {
        @Override
        public String name() {
            return "uw";
        }

        @Override
        public String summary() {
            return "Uncertainty weighting (Kendall et al. 2018): learned log-variances, 0.5 (exp(-s) l + s)";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            Config c = ctx.config();
            Integer tasks = c.hasPath("tasks") ? c.getInt("tasks") : null;
            return new UncertaintyWeighting(tasks, c.getDouble("init-log-variance"), ctx.manager(),
                    ctx.dataType(), ctx.autograd());
        }
    }
}
