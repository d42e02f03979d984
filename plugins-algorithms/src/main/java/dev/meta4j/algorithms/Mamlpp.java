package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Split;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.AlgorithmFactory;
import dev.meta4j.api.algorithm.Evaluation;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.data.Episodes;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.support.innerloop.PerLayerPerStepRule;
import dev.meta4j.support.innerloop.SgdRule;
import dev.meta4j.support.innerloop.UpdateRule;
import dev.meta4j.support.stats.MeanCi95;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;

/**
 * MAML++ (Antoniou, Edwards &amp; Storkey, "How to train your MAML", ICLR 2019): MAML with the
 * paper's fixes, each behind its own switch so that a suite can ablate it. The inner loop, the
 * meta-gradient and the evaluation are {@link GradientMetaLearner}'s; MAML++ adds:
 *
 * <ul>
 *   <li><b>MSL</b> ({@code msl}, {@code msl-epochs}): the meta-loss is {@code Σ_s w_s L_query(θ_s)}
 *       over the inner steps, with the official code's annealing ({@code
 *       get_per_step_loss_importance_vector}): every weight starts at 1/N; at epoch e the
 *       non-final ones are {@code max(1/N - e/(N·E), 0.03/N)} and the final one {@code min(1/N +
 *       e(N-1)/(N·E), 1 - (N-1)·0.03/N)}, E = {@code msl-epochs}; from epoch E on only the final
 *       query loss counts, with weight 1. Epochs are the {@link TrainingClock}'s, of {@code
 *       iterations-per-epoch} meta-steps (the code's {@code total_iter_per_epoch}).</li>
 *   <li><b>DA</b> ({@code first-order-to-second-order-epoch}): first order while the epoch is at
 *       most that value, second order after it (the code's {@code epoch >
 *       first_order_to_second_order_epoch}; -1, the official configs: always second order).</li>
 *   <li><b>BNWB / BNRS</b> ({@code per-step-bn-weights}, {@code per-step-bn-stats}): the backbone's
 *       batch norms get one scale and shift, and one set of running statistics, per inner step
 *       ({@link Backbone#perInnerStep}); a backbone without it is refused when either is on. A
 *       query pass after step s reads step s's arrays, as in the code. Like the code ({@code
 *       enable_inner_loop_optimizable_bn_params = false}), batch norm's scale and shift are
 *       meta-learned but not adapted in the inner loop ({@code adapt-bn = false}); adapting them
 *       is an option only without per-step weights.</li>
 *   <li><b>LSLR</b> ({@code learnable-inner-lr}): a learnable inner rate per adapted array and
 *       step ({@link PerLayerPerStepRule}), all starting at {@code inner-lr}; off, plain SGD at
 *       {@code inner-lr}.</li>
 *   <li><b>CA</b> (cosine annealing of the outer rate) is the run's {@code scheduler} section:
 *       {@code cosine} with {@code min-factor} = min/base rate; see the bundled configs.</li>
 *   <li><b>Batch norm at evaluation</b> ({@code bn-mode}): the official code hard-codes {@code
 *       training = True} in its batch norm, so every pass, evaluation included, normalises with
 *       the batch's statistics and the per-step running statistics are tracked but never read:
 *       BNRS changes no number. {@code transductive} (the default) reproduces that: evaluation
 *       passes are training passes, which update only the evaluation's throw-away copies of any
 *       running statistics (the code's backup and restore); a model with dropout or DropBlock would
 *       also drop at evaluation then (conv4 has neither). {@code inductive} is the paper's
 *       description: evaluation passes use the (per-step) running statistics, which needs a model
 *       that keeps them ({@code model.bn-mode = inductive}).</li>
 *   <li><b>Ensembling</b> ({@code ensemble-top-k}): the code tests the mean logits of the five
 *       checkpoints with the best validation accuracy. Here every validation offers a copy of the
 *       parameters to a pool of the k best (ties keep the earlier), which is checkpointed with
 *       the algorithm's state, and a test evaluation adds {@code <metric>-post-ensemble}: the
 *       mean over episodes of the score of the pool's mean query logits after adaptation.</li>
 * </ul>
 *
 * <p>Deviations, all documented in reference.conf: with a model that keeps running statistics,
 * the task-batched meta-batch updates each task's copy from the same start and the originals
 * take their mean (the code runs the tasks one after another, so its momentum compounds over the
 * meta-batch; {@code batched = false} does exactly that). The code's Conv4 uses leaky ReLU and
 * Xavier-uniform initialisation with zero biases; meta4j's {@code conv4} uses ReLU and PyTorch's
 * default initialisation. The code clamps mini-ImageNet's meta-gradient to ±10 elementwise
 * ({@code clamp-meta-gradient}). Its LSLR has N + 1 rates per array, the last never used; here N.
 * Its cosine schedule steps once an epoch: the bundled configs' {@code scheduler.unit = epochs}.
 */
public final class Mamlpp extends GradientMetaLearner {

    private final double innerLr;
    private final boolean learnableInnerLr;
    private final boolean msl;
    private final int mslEpochs;
    private final long secondOrderAfter;
    private final boolean perStepWeights;
    private final boolean perStepStats;
    private final boolean adaptBn;
    private final boolean inductive;
    private final int ensembleTopK;
    private final long iterationsPerEpoch;
    private final double clamp;
    private final boolean firstOrder;
    private final NDManager manager;

    private Set<String> normalization = Set.of();
    /** The ensemble's pool, best first: validation scores (higher is better) and parameter copies. */
    private final List<Double> poolScores = new ArrayList<>();
    private final List<Params> pool = new ArrayList<>();

    Mamlpp(PluginContext ctx) {
        super(ctx);
        Config c = ctx.config();
        this.innerLr = c.getDouble("inner-lr");
        this.learnableInnerLr = c.getBoolean("learnable-inner-lr");
        this.msl = c.getBoolean("msl");
        this.mslEpochs = c.getInt("msl-epochs");
        this.secondOrderAfter = c.getLong("first-order-to-second-order-epoch");
        this.perStepWeights = c.getBoolean("per-step-bn-weights");
        this.perStepStats = c.getBoolean("per-step-bn-stats");
        this.adaptBn = c.getBoolean("adapt-bn");
        this.inductive = c.getString("bn-mode").equals("inductive");
        this.ensembleTopK = c.getInt("ensemble-top-k");
        this.iterationsPerEpoch = c.getLong("iterations-per-epoch");
        this.clamp = c.getDouble("clamp-meta-gradient");
        this.firstOrder = c.getBoolean("first-order");
        this.manager = ctx.manager();
        int evalSteps = c.getIsNull("eval-steps") ? innerSteps() : c.getInt("eval-steps");
        int extra = c.getInt("eval-extra-steps");
        if ((perStepWeights || perStepStats || learnableInnerLr) && (evalSteps > innerSteps() || extra > innerSteps())) {
            throw new IllegalArgumentException("algorithm.eval-steps (" + evalSteps + ") and algorithm.eval-extra-steps ("
                    + extra + ") may not exceed algorithm.inner-steps (" + innerSteps() + ") with per-step batch norm or"
                    + " per-step learning rates: those exist for the trained steps only");
        }
        if (adaptBn && perStepWeights) {
            throw new IllegalArgumentException("algorithm.adapt-bn = true needs algorithm.per-step-bn-weights = false:"
                    + " per-step scales and shifts are meta-learned, not adapted (as the official code, where adapting"
                    + " them replaces the per-step sets by one shared set)");
        }
    }

    @Override
    Params prepare(Backbone backbone, Params model) {
        boolean perStep = perStepWeights || perStepStats;
        var result = backbone.perInnerStep(model, innerSteps(), perStepWeights, perStepStats);
        if (result.isEmpty()) {
            if (perStep) {
                throw new IllegalArgumentException("the model (" + backbone.getClass().getSimpleName() + ") has no"
                        + " per-step batch norm; use conv4, or set algorithm.per-step-bn-weights = false and"
                        + " algorithm.per-step-bn-stats = false");
            }
            if (inductive) {
                throw new IllegalArgumentException("algorithm.bn-mode = inductive needs a model with running statistics"
                        + " (conv4 with model.bn-mode = inductive)");
            }
            return model;
        }
        Params p = result.get().params();
        if (inductive && !p.hasBuffers()) {
            throw new IllegalArgumentException("algorithm.bn-mode = inductive normalises evaluation passes with running"
                    + " statistics, but the model keeps none; set model.bn-mode = inductive");
        }
        this.normalization = adaptBn ? Set.of() : new HashSet<>(result.get().normalization());
        return p;
    }

    @Override
    boolean acceptsBuffers() {
        return true;
    }

    @Override
    Predicate<String> adapts(Params model) {
        return name -> !model.isBuffer(name) && !normalization.contains(name);
    }

    @Override
    UpdateRule rule(Params adapted, NDManager manager, DataType dataType) {
        return learnableInnerLr ? PerLayerPerStepRule.filled(adapted, innerSteps(), innerLr, manager, dataType)
                : new SgdRule(innerLr);
    }

    @Override
    public OptionalLong stepsPerEpoch() {
        return OptionalLong.of(iterationsPerEpoch);
    }

    private long epoch(TrainingClock clock) {
        // a test's meta-gradient (no clock) is taken at epoch 0; the clock counts this
        // algorithm's epochs (stepsPerEpoch), unless a caller made it without them
        if (clock == null) {
            return 0;
        }
        return clock.stepsPerEpoch() > 0 ? clock.epoch() : clock.step() / iterationsPerEpoch;
    }

    @Override
    double[] queryLossWeights(int steps, TrainingClock clock) {
        long e = epoch(clock);
        if (!msl || e >= mslEpochs) {
            return null;
        }
        return importance(steps, e, mslEpochs);
    }

    /**
     * The multi-step loss's weights at an epoch, as the official code's {@code
     * get_per_step_loss_importance_vector}.
     *
     * @param steps the inner steps N
     * @param epoch the epoch
     * @param mslEpochs the epochs of the multi-step loss
     * @return N weights
     */
    static double[] importance(int steps, long epoch, int mslEpochs) {
        double[] w = new double[steps];
        double decay = 1.0 / steps / mslEpochs;
        double floor = 0.03 / steps;
        for (int i = 0; i < steps - 1; i++) {
            w[i] = Math.max(1.0 / steps - epoch * decay, floor);
        }
        w[steps - 1] = Math.min(1.0 / steps + epoch * (steps - 1) * decay, 1.0 - (steps - 1) * floor);
        return w;
    }

    @Override
    GraphMode graphMode(TrainingClock clock) {
        return firstOrder || epoch(clock) <= secondOrderAfter ? GraphMode.RELEASE : GraphMode.CREATE;
    }

    @Override
    int queryInnerStep(int stepsTaken) {
        // the code's query pass after step s reads step s's batch norm; before any step, step 0's
        return Math.max(0, stepsTaken - 1);
    }

    @Override
    boolean evaluatesInTrainingMode() {
        return !inductive;
    }

    @Override
    NDList outerGradients(NDList gradients) {
        if (clamp <= 0) {
            return gradients;
        }
        NDList out = new NDList(gradients.size());
        for (NDArray g : gradients) {
            out.add(g.clip(-clamp, clamp));
        }
        return out;
    }

    /** The meta-gradient at a point of training (MSL weights and derivative order follow the clock). */
    MetaGradient metaGradientAt(Params params, TaskBatch batch, TrainingClock clock) {
        return metaGradient(params, batch, innerSteps(), clock);
    }

    @Override
    public Evaluation evaluate(Split split, NDManager evaluation) {
        Evaluation ev = super.evaluate(split, evaluation);
        if (ensembleTopK == 0) {
            return ev;
        }
        if (split == Split.VALIDATION) {
            double score = selection().score(ev.metrics().get(selection().metric()).orElseThrow());
            offer(-score); // Selection.score is lower-is-better
            return ev;
        }
        if (pool.isEmpty()) {
            return ev;
        }
        Metrics.Builder out = Metrics.builder();
        ev.metrics().asMap().forEach(out::put);
        String name = task().metric().name() + "-post-ensemble";
        MeanCi95.of(ensembleScores(split, evaluation)).putInto(out, name, task().metric().direction());
        out.put("ensemble-size", pool.size());
        return new Evaluation(out.build(), ev.figures());
    }

    private void offer(double score) {
        int at = 0;
        while (at < poolScores.size() && poolScores.get(at) >= score) {
            at++;
        }
        if (at >= ensembleTopK) {
            return;
        }
        Params copy;
        try (var off = autograd().pause()) {
            copy = parameters().map(a -> {
                NDArray d = a.stopGradient().duplicate();
                d.attach(manager);
                return d;
            });
        }
        poolScores.add(at, score);
        pool.add(at, copy);
        if (pool.size() > ensembleTopK) {
            poolScores.remove(ensembleTopK);
            pool.remove(ensembleTopK).arrays().forEach(NDArray::close);
        }
    }

    private double[] ensembleScores(Split split, NDManager evaluation) {
        int count = split == Split.TEST ? testTasks() : evalTasks();
        Episodes episodes = source().evaluationEpisodes(split, count);
        double[] scores = new double[count];
        int chunk = Math.max(1, metaBatch());
        for (int from = 0; episodes.remaining() > 0; from += chunk) {
            try (NDManager m = evaluation.newSubManager()) {
                TaskBatch b = episodes.next(chunk, m);
                NDArray sum = null;
                for (Params member : pool) {
                    NDArray logits = adaptedQueryPredictions(member, b, m);
                    sum = sum == null ? logits : sum.add(logits);
                }
                double[] v = task().score(sum, Targets.of(b.queryTargets())).toType(DataType.FLOAT64, false)
                        .toDoubleArray();
                System.arraycopy(v, 0, scores, from, v.length);
            }
        }
        return scores;
    }

    @Override
    public void saveState(StateDict state) {
        state.putLong("ensemble-size", pool.size());
        state.putNumbers("ensemble-scores", poolScores.stream().mapToDouble(Double::doubleValue).toArray());
        for (int i = 0; i < pool.size(); i++) {
            Params p = pool.get(i);
            for (int j = 0; j < p.size(); j++) {
                state.putArray("ensemble/" + i + "/" + p.names().get(j), p.arrays().get(j));
            }
        }
    }

    @Override
    public void loadState(StateDict state) {
        pool.forEach(p -> p.arrays().forEach(NDArray::close));
        pool.clear();
        poolScores.clear();
        if (!state.contains("ensemble-size")) {
            return;
        }
        int n = Math.toIntExact(state.getLong("ensemble-size"));
        double[] scores = state.getNumbers("ensemble-scores");
        for (int i = 0; i < n; i++) {
            int member = i;
            List<NDArray> arrays = new ArrayList<>();
            Params like = parameters();
            for (String name : like.names()) {
                NDArray a = state.getArray("ensemble/" + member + "/" + name).duplicate();
                a.attach(manager);
                arrays.add(a);
            }
            pool.add(like.withArrays(arrays));
            poolScores.add(scores[i]);
        }
    }

    /** Registers {@code mamlpp}. */
    @AutoService(AlgorithmFactory.class)
    public static final class Factory implements AlgorithmFactory {
        @Override
        public String name() {
            return "mamlpp";
        }

        @Override
        public String summary() {
            return "MAML++ (Antoniou et al. 2019): MAML with multi-step loss, derivative-order annealing, per-step"
                    + " batch norm, per-layer per-step learning rates; every fix a switch";
        }

        @Override
        public Algorithm create(PluginContext ctx) {
            return new Mamlpp(ctx);
        }
    }
}
