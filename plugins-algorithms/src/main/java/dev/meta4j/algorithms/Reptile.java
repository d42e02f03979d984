package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.AlgorithmFactory;
import dev.meta4j.api.algorithm.Components;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Evaluation;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.algorithm.Selection;
import dev.meta4j.api.algorithm.Step;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.data.EpisodeShape;
import dev.meta4j.api.data.Episodes;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.support.stats.MeanCi95;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reptile (Nichol, Achiam &amp; Schulman 2018, "On First-Order Meta-Learning Algorithms"): train
 * a copy of the initialisation on a sampled task with an ordinary optimizer, then move the
 * initialisation towards the trained weights, {@code W <- W + eps * (mean_i W_i - W)}.
 *
 * <p><b>Serial and batched.</b> {@code meta-batch = 1} is the paper's serial algorithm (one task
 * per outer step, {@code W <- W + eps (W~ - W)}); {@code meta-batch = n} its batched version (the
 * mean of n tasks' trained weights). The n inner loops run one after the other, as in the
 * official code ({@code openai/supervised-reptile}, {@code reptile.py}), because the inner
 * optimizer's state carries from one task into the next: a task-batched graph, which would give
 * every task the same starting state, would not reproduce it, so none is offered.
 *
 * <p><b>Inner loop.</b> The trained copy takes {@code inner-iters} steps of the {@code
 * inner-optimizer} (a plugin of its own, {@code adam} with {@code beta1 = 0} by default, as the
 * official code's {@code AdamOptimizer(beta1=0)}) on mini-batches of {@code inner-batch} examples
 * of the episode's support set, drawn as the official code's {@code _mini_batches}: without
 * {@code replacement}, the support set is shuffled and dealt out in order, a batch carrying over
 * into the next shuffle when the set is not a multiple of the batch; with it, every batch is an
 * independent draw without repeats. The optimizer's state (Adam's moments and step count) is
 * never reset during training: it persists across tasks and outer steps and is checkpointed
 * with this plugin ({@link #saveState}). Each inner step runs in a manager of its own, keeps no
 * graph beyond its one backward pass, and needs no second-order autograd.
 *
 * <p><b>Outer step size.</b> {@code eps} falls linearly from {@code meta-step} to {@code
 * meta-step-final} over the run, {@code eps = f * final + (1 - f) * initial} with {@code f} the
 * fraction of training done before the step ({@link TrainingClock#fractionDone()}, as {@code
 * train.py}'s {@code frac_done = i / meta_iters}); a resumed run reads it from the restored clock.
 * The outer update is this rule, not the experiment's {@code optimizer}: the {@code optimizer}
 * and {@code scheduler} sections have no effect on a Reptile run.
 *
 * <p><b>Evaluation</b> (the official code's {@code Reptile.evaluate}): per held-out episode, the
 * model and the inner optimizer start from the training's current state, train {@code
 * eval-inner-iters} steps on mini-batches of {@code eval-inner-batch} support examples, predict
 * the queries, and are restored afterwards ({@code eval-inner-state = fresh} starts every episode
 * from a never-stepped optimizer instead, Adam's moments at zero), so nothing an evaluation does reaches training or
 * the next episode. {@code transductive = true} predicts all queries of an episode in one batch
 * (batch norm sees them together, {@code _test_predictions} with {@code --transductive});
 * {@code false} predicts each query in a batch of its own together with the whole support set
 * (batch norm sees the support and that one query), taking the query's row. Reported: the mean
 * metric before and after adaptation over {@code eval-tasks} (validation) or {@code test-tasks}
 * (test) fixed episodes, each with its 95 % half-width ({@link MeanCi95}). The mini-batch draws
 * of an evaluation come from a generator fixed at creation, so every evaluation sees the same
 * draws and evaluating never shifts the training's random stream.
 *
 * <p><b>Deviations from the official code</b>, each a choice of this framework's protocol:
 * held-out episodes are the dataset's (its {@code shots} and {@code queries}, {@code
 * test-tasks} episodes with a confidence interval), where {@code evaluate} samples {@code
 * shots + 1} images per class and queries one of them per class, over 10,000 episodes; training
 * episodes are the dataset's {@code train-shots} support images per class (the code's {@code
 * --train-shots}; the dataset's training queries are drawn but unused); the inner loss is the
 * task's mean over the mini-batch where TensorFlow's {@code minimize} of the per-example vector
 * differentiates its sum (Adam is invariant to that scale up to its eps); the code's
 * {@code --weight-decay} (1, no decay, in every published command) is not offered.
 */
public final class Reptile implements Algorithm {

    private final Autograd autograd;
    private final Rng rng;
    private final Optimizer inner;
    /** Never stepped: its state is the one a held-out episode starts from under {@code fresh}. */
    private final Optimizer unused;
    private final boolean freshAtEvaluation;
    private final int innerIters;
    private final int innerBatch;
    private final int evalInnerIters;
    private final int evalInnerBatch;
    private final boolean replacement;
    private final double metaStep;
    private final double metaStepFinal;
    private final int metaBatch;
    private final boolean transductive;
    private final int evalTasks;
    private final int testTasks;
    private final long evaluationSeed;
    private final NDManager manager;
    private final DataType dataType;

    private TaskSource source;
    private Backbone backbone;
    private Task task;
    private Params model;

    Reptile(PluginContext ctx) {
        Config c = ctx.config();
        this.autograd = ctx.autograd();
        this.rng = ctx.rng();
        this.innerIters = c.getInt("inner-iters");
        this.innerBatch = c.getInt("inner-batch");
        this.evalInnerIters = c.getInt("eval-inner-iters");
        this.evalInnerBatch = c.getInt("eval-inner-batch");
        this.replacement = c.getBoolean("replacement");
        this.metaStep = c.getDouble("meta-step");
        this.metaStepFinal = c.getDouble("meta-step-final");
        this.metaBatch = c.getInt("meta-batch");
        this.transductive = c.getBoolean("transductive");
        this.evalTasks = c.getInt("eval-tasks");
        this.testTasks = c.getInt("test-tasks");
        // fixed now, so evaluations share their mini-batch draws and never advance rng()
        this.evaluationSeed = ctx.rng().split("evaluation").nextLong();
        this.manager = ctx.manager();
        this.dataType = ctx.dataType();
        this.inner = ctx.plugin("inner-optimizer", Optimizer.class);
        String start = c.getString("eval-inner-state");
        if (!start.equals("training") && !start.equals("fresh")) {
            throw new IllegalArgumentException("eval-inner-state must be training or fresh, got '" + start + "'");
        }
        this.freshAtEvaluation = start.equals("fresh");
        this.unused = freshAtEvaluation ? ctx.plugin("inner-optimizer", Optimizer.class) : null;
    }

    @Override
    public void init(Components components) {
        this.source = components.dataset(TaskSource.class);
        this.backbone = components.backbone(Backbone.class);
        if (source.spec().taskCount() != 1) {
            throw new IllegalArgumentException("reptile adapts one output per episode; the dataset has "
                    + source.spec().taskCount() + " tasks per example");
        }
        this.task = source.spec().tasks().get(0);
        this.model = backbone.init(source.spec(), rng.split("init"), manager, dataType);
        if (model.hasBuffers()) {
            // the official model normalises every batch with its own statistics (TensorFlow's
            // batch_normalization with training=True, always); running statistics would need a rule
            // for what an inner loop and the interpolation do to them
            throw new IllegalArgumentException("reptile does not train models with non-trained state (buffers "
                    + model.buffers().names() + ", such as batch norm running statistics); use transductive batch"
                    + " norm (model.bn-mode = transductive, as the official code) or a model without batch norm");
        }
        if (replacement) {
            requireBatchFits("inner-batch", innerBatch, source.episodeShape(Split.TRAIN));
            requireBatchFits("eval-inner-batch", evalInnerBatch, source.episodeShape(Split.VALIDATION));
            requireBatchFits("eval-inner-batch", evalInnerBatch, source.episodeShape(Split.TEST));
        }
    }

    private static void requireBatchFits(String key, int batch, EpisodeShape shape) {
        if (batch > shape.supportSize()) {
            throw new IllegalArgumentException(key + " = " + batch + " is more than the " + shape.supportSize()
                    + " support examples of an episode; with replacement = true every mini-batch is drawn without"
                    + " repeats from one episode's support set (set replacement = false to deal batches across"
                    + " reshuffles, or a smaller " + key + ")");
        }
    }

    @Override
    public Params parameters() {
        return model;
    }

    /**
     * The outer step size at a point of the run.
     *
     * @param clock where training stands
     * @return {@code eps}, linear from {@code meta-step} at the first step towards {@code
     *     meta-step-final}
     */
    double metaStepSize(TrainingClock clock) {
        double f = clock.fractionDone();
        return f * metaStepFinal + (1 - f) * metaStep;
    }

    @Override
    public Metrics trainStep(Step step) {
        NDManager m = step.manager();
        TaskBatch batch = source.sample(metaBatch, rng, m);
        int t = batch.taskCount();
        Forward f = Forward.training(rng, step.clock());
        List<NDArray> sum = null;
        double lossSum = 0;
        for (int i = 0; i < t; i++) {
            TaskBatch e = batch.episode(i);
            try (NDManager taskScope = m.newSubManager()) {
                Adapted a = adapt(model, e.supportInputs(), e.supportTargets(), innerIters, innerBatch, rng, f,
                        taskScope);
                lossSum += a.meanLoss();
                try (Autograd.Scope off = autograd.pause()) {
                    if (sum == null) {
                        sum = new ArrayList<>(model.size());
                        for (NDArray w : a.params().arrays()) {
                            NDArray s = w.duplicate();
                            s.attach(m);
                            sum.add(s);
                        }
                    } else {
                        for (int k = 0; k < sum.size(); k++) {
                            sum.get(k).addi(a.params().arrays().get(k));
                        }
                    }
                }
            }
        }
        double eps = metaStepSize(step.clock());
        interpolate(model, sum, t, eps);
        return Metrics.builder()
                .put(Metrics.LOSS, lossSum / t)
                .put("meta-step", eps)
                .build();
    }

    /**
     * The outer update in place: {@code W <- W + eps * (sum / count - W)}.
     *
     * @param model the initialisation
     * @param sum the sum of the tasks' trained weights, aligned with {@code model}
     * @param count how many tasks the sum holds
     * @param eps the outer step size
     */
    void interpolate(Params model, List<NDArray> sum, int count, double eps) {
        try (Autograd.Scope off = autograd.pause()) {
            for (int k = 0; k < model.size(); k++) {
                NDArray w = model.arrays().get(k);
                w.addi(sum.get(k).div(count).sub(w).mul(eps));
            }
        }
    }

    /**
     * A task's trained copy of the initialisation.
     *
     * @param params the copy after the inner loop, in the scope the loop was given
     * @param meanLoss the mean of the mini-batch losses the optimizer stepped on
     */
    record Adapted(Params params, double meanLoss) {}

    /**
     * Trains an owned copy of {@code start} with the inner optimizer, whose state carries over.
     *
     * @param start the initialisation (not changed)
     * @param x the support inputs, {@code [S, ...]}
     * @param y the support targets
     * @param iters how many optimizer steps
     * @param batchSize examples per mini-batch
     * @param draws the generator of the mini-batches
     * @param f the model's forward context
     * @param scope where the copy lives; every step's temporaries live in a sub-manager of it
     * @return the trained copy
     */
    Adapted adapt(Params start, NDArray x, NDArray y, int iters, int batchSize, Rng draws, Forward f,
            NDManager scope) {
        List<NDArray> leaves = new ArrayList<>(start.size());
        try (Autograd.Scope off = autograd.pause()) {
            for (NDArray w : start.arrays()) {
                NDArray copy = w.duplicate();
                copy.attach(scope);
                copy.setRequiresGradient(true);
                leaves.add(copy);
            }
        }
        Params fast = start.withArrays(leaves);
        int n = Math.toIntExact(x.getShape().get(0));
        double lossSum = 0;
        for (int[] rows : miniBatches(n, batchSize, iters, replacement, draws)) {
            try (NDManager s = scope.newSubManager()) {
                fast.tempAttach(s);
                // a result lands in its first operand's manager: with the support set attached
                // here too, the mini-batch and its forward pass are freed with the step
                x.tempAttach(s);
                y.tempAttach(s);
                NDArray idx = s.create(toLongs(rows));
                NDArray xb = x.get(new NDIndex("{}", idx));
                NDArray yb = y.get(new NDIndex("{}", idx));
                NDList g;
                try (Autograd.Scope rec = autograd.record()) {
                    NDArray loss = task.loss(backbone.forward(fast, xb, f).get(0), Targets.of(yb));
                    g = autograd.grad(loss, fast.arrays(), GraphMode.RELEASE);
                    lossSum += loss.toType(DataType.FLOAT64, false).getDouble();
                }
                inner.step(fast, g, inner.baseLearningRate());
            }
        }
        return new Adapted(fast, iters == 0 ? Double.NaN : lossSum / iters);
    }

    private static long[] toLongs(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    /**
     * The rows of each mini-batch, as the official {@code _mini_batches} deals them.
     *
     * @param n the support set's size
     * @param batchSize rows per batch
     * @param count how many batches
     * @param replacement each batch an independent draw of distinct rows (needs {@code batchSize
     *     <= n}); otherwise shuffled passes dealt out in order, a batch continuing into the next
     *     pass
     * @param draws the generator
     * @return {@code count} batches of {@code batchSize} rows
     */
    static List<int[]> miniBatches(int n, int batchSize, int count, boolean replacement, Rng draws) {
        List<int[]> out = new ArrayList<>(count);
        if (replacement) {
            if (batchSize > n) {
                throw new IllegalArgumentException("a mini-batch of " + batchSize + " distinct rows from " + n);
            }
            for (int b = 0; b < count; b++) {
                int[] order = draws.permutation(n);
                out.add(Arrays.copyOf(order, batchSize));
            }
            return out;
        }
        int[] current = new int[batchSize];
        int filled = 0;
        while (out.size() < count) {
            for (int row : draws.permutation(n)) {
                current[filled++] = row;
                if (filled == batchSize) {
                    out.add(current);
                    current = new int[batchSize];
                    filled = 0;
                    if (out.size() == count) {
                        return out;
                    }
                }
            }
        }
        return out;
    }

    @Override
    public Evaluation evaluate(Split split, NDManager evaluation) {
        int count = split == Split.TEST ? testTasks : evalTasks;
        Episodes episodes = source.evaluationEpisodes(split, count);
        double[] pre = new double[count];
        double[] post = new double[count];
        Rng draws = new Rng(evaluationSeed).split(split.name());
        Forward f = Forward.evaluation(rng);
        StateDict saved = new StateDict(evaluation);
        inner.saveState(saved);
        StateDict start = saved;
        if (freshAtEvaluation) {
            start = new StateDict(evaluation);
            unused.saveState(start);
        }
        try {
            for (int done = 0; episodes.remaining() > 0; done++) {
                try (NDManager m = evaluation.newSubManager()) {
                    model.tempAttach(m);
                    TaskBatch e = episodes.next(1, m).episode(0);
                    pre[done] = score(model, e, f);
                    // every episode starts from the same state: the training's (the official
                    // code's export/import of all variables around each evaluation) or a fresh one
                    inner.loadState(start);
                    Adapted a = adapt(model, e.supportInputs(), e.supportTargets(), evalInnerIters, evalInnerBatch,
                            draws, f, m);
                    post[done] = score(a.params(), e, f);
                }
            }
        } finally {
            inner.loadState(saved);
        }
        String name = task.metric().name();
        Direction d = task.metric().direction();
        Metrics.Builder out = Metrics.builder();
        MeanCi95.of(pre).putInto(out, name + "-pre", d);
        MeanCi95.of(post).putInto(out, name + "-post", d);
        out.put("inner-steps", evalInnerIters).put("episodes", count);
        return new Evaluation(out.build(), List.of());
    }

    /** The episode's score of the queries' predictions. */
    private double score(Params p, TaskBatch e, Forward f) {
        try (Autograd.Scope off = autograd.pause()) {
            NDArray pred = transductive ? backbone.forward(p, e.queryInputs(), f).get(0)
                    : predictEachWithSupport(p, e.supportInputs(), e.queryInputs(), f);
            return task.score(pred, Targets.of(e.queryTargets())).toType(DataType.FLOAT64, false).getDouble();
        }
    }

    /**
     * Non-transductive predictions: query {@code j} in a batch of its own after the support set,
     * its row of the output. A backbone with task batching runs the {@code Q} batches side by side
     * ({@code Q} copies of the parameters, a batch norm per copy); otherwise one by one.
     */
    NDArray predictEachWithSupport(Params p, NDArray support, NDArray queries, Forward f) {
        long q = queries.getShape().get(0);
        long s = support.getShape().get(0);
        if (backbone.supportsTaskBatch()) {
            NDArray supports = support.expandDims(0).broadcast(new Shape(q).addAll(support.getShape()));
            NDArray batches = supports.concat(queries.expandDims(1), 1);
            NDArray out = backbone.forward(p.replicate(Math.toIntExact(q)), batches, f).get(0);
            return out.get(new NDIndex(":, {}", s));
        }
        NDList rows = new NDList();
        for (long j = 0; j < q; j++) {
            NDArray b = support.concat(queries.get(new NDIndex("{}:{}", j, j + 1)), 0);
            rows.add(backbone.forward(p, b, f).get(0).get(s));
        }
        return NDArrays.stack(rows);
    }

    @Override
    public Selection selection() {
        return new Selection(task.metric().name() + "-post", task.metric().higherIsBetter());
    }

    /** Saves the inner optimizer's state (the model's parameters are the runtime's to save). */
    @Override
    public void saveState(StateDict state) {
        inner.saveState(state.scope("inner-optimizer"));
    }

    @Override
    public void loadState(StateDict state) {
        inner.loadState(state.scope("inner-optimizer"));
    }

    /** Registers {@code reptile}. */
    @AutoService(AlgorithmFactory.class)
    public static final class Factory implements AlgorithmFactory {
        @Override
        public String name() {
            return "reptile";
        }

        @Override
        public String summary() {
            return "Reptile (Nichol et al. 2018): move the initialisation towards task-trained weights;"
                    + " inner optimizer plugin (Adam beta1 = 0), linearly annealed outer step, serial or batched";
        }

        @Override
        public Algorithm create(PluginContext ctx) {
            return new Reptile(ctx);
        }
    }
}
