package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.Components;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Evaluation;
import dev.meta4j.api.algorithm.Figure;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.algorithm.Selection;
import dev.meta4j.api.algorithm.Step;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.data.Episodes;
import dev.meta4j.api.data.RegressionTask;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.support.innerloop.InnerLoop;
import dev.meta4j.support.innerloop.UpdateRule;
import dev.meta4j.support.stats.MeanCi95;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What MAML, ANIL and Meta-SGD share, written once: episodic meta-training through the support
 * module's {@link InnerLoop} (task-batched when the backbone supports it), the meta-gradient with
 * respect to the initialisation and the update rule's own parameters, and the episodic evaluation
 * (metric before adaptation, after the inner steps, after extra steps, mean ± CI95). The plugins
 * differ only in which parameters the inner loop adapts and by which rule.
 */
abstract class GradientMetaLearner implements Algorithm {

    /**
     * @param model the backbone's parameters
     * @return which of them the inner loop adapts, by name
     */
    abstract Predicate<String> adapts(Params model);

    /**
     * @param adapted the parameters the inner loop adapts
     * @param manager the experiment's long-lived manager, for learnable rule state
     * @param dataType the experiment's data type
     * @return the inner update rule
     */
    abstract UpdateRule rule(Params adapted, NDManager manager, DataType dataType);

    // ---- what MAML++ changes (Mamlpp); the defaults are MAML's, ANIL's and Meta-SGD's ----

    /**
     * @param backbone the backbone
     * @param model what its {@code init} returned
     * @return the parameters the learner meta-trains (MAML++: per-step batch norm)
     */
    Params prepare(Backbone backbone, Params model) {
        return model;
    }

    /** @return whether models with buffers (running statistics) are taken: MAML++'s question, refused elsewhere */
    boolean acceptsBuffers() {
        return false;
    }

    /**
     * @param steps the inner steps
     * @param clock where training stands, or null (a test's meta-gradient)
     * @return the weight of the query loss after each step, or null for the last step's alone with
     *     weight 1 (MAML)
     */
    double[] queryLossWeights(int steps, TrainingClock clock) {
        return null;
    }

    /**
     * @param clock where training stands, or null
     * @return second order ({@link GraphMode#CREATE}) or first ({@link GraphMode#RELEASE})
     */
    GraphMode graphMode(TrainingClock clock) {
        return firstOrder ? GraphMode.RELEASE : GraphMode.CREATE;
    }

    /**
     * @param stepsTaken the inner steps taken before a query pass
     * @return the {@link Forward#innerStep()} of that pass (MAML++'s per-step batch norm: the
     *     last step's); outside the inner loop by default
     */
    int queryInnerStep(int stepsTaken) {
        return Forward.OUTSIDE_INNER_LOOP;
    }

    /** @return whether evaluation passes are training passes (MAML++'s code: batch statistics always) */
    boolean evaluatesInTrainingMode() {
        return false;
    }

    /**
     * @param gradients the meta-gradient, one per trained array
     * @return what the optimizer steps with (MAML++ on mini-ImageNet clamps it)
     */
    NDList outerGradients(NDList gradients) {
        return gradients;
    }

    // ---- end of the hooks ----

    private final Autograd autograd;
    private final Rng rng;
    private final int innerSteps;
    private final boolean firstOrder;
    private final int metaBatch;
    private final int evalTasks;
    private final int testTasks;
    private final int evalSteps;
    private final int evalExtraSteps;
    private final boolean batchedWhenPossible;
    private final NDManager manager;
    private final DataType dataType;

    private TaskSource source;
    private Backbone backbone;
    private Optimizer optimizer;
    private Task task;
    private Params model;
    private Params all;
    private InnerLoop loop;
    private WeightingMethod weighting;
    private Predicate<String> adapts;

    GradientMetaLearner(PluginContext ctx) {
        Config config = ctx.config();
        this.autograd = ctx.autograd();
        this.rng = ctx.rng();
        this.innerSteps = config.getInt("inner-steps");
        this.firstOrder = config.hasPath("first-order") && config.getBoolean("first-order");
        this.metaBatch = config.getInt("meta-batch");
        this.evalTasks = config.getInt("eval-tasks");
        this.testTasks = config.hasPath("test-tasks") ? config.getInt("test-tasks") : evalTasks;
        this.evalSteps = config.hasPath("eval-steps") ? config.getInt("eval-steps") : innerSteps;
        this.evalExtraSteps = config.getInt("eval-extra-steps");
        this.batchedWhenPossible = config.getBoolean("batched");
        this.manager = ctx.manager();
        this.dataType = ctx.dataType();
    }

    /** @return the inner steps of meta-training */
    final int innerSteps() {
        return innerSteps;
    }

    @Override
    public void init(Components components) {
        this.source = components.dataset(TaskSource.class);
        this.backbone = components.backbone(Backbone.class);
        this.optimizer = components.optimizer();
        if (source.spec().taskCount() != 1) {
            throw new IllegalArgumentException("this meta-learner adapts one output per episode; the dataset has "
                    + source.spec().taskCount() + " tasks per example");
        }
        this.task = source.spec().tasks().get(0);
        this.model = prepare(backbone, backbone.init(source.spec(), rng.split("init"), manager, dataType));
        if (model.hasBuffers() && !acceptsBuffers()) {
            // which running statistics an inner step would use and update (per step or shared) is
            // MAML++'s question (BNRS); MAML's own code normalises transductively and keeps none
            throw new IllegalArgumentException("this meta-learner does not adapt models with non-trained state"
                    + " (buffers " + model.buffers().names() + ", such as batch norm running statistics); use"
                    + " transductive batch norm (model.bn-mode = transductive, as MAML's code) or a model without"
                    + " batch norm");
        }
        this.adapts = adapts(model);
        Params adapted = model.filter(adapts);
        if (adapted.size() == 0) {
            throw new IllegalArgumentException("the inner loop would adapt none of the model's parameters "
                    + model.names());
        }
        this.loop = new InnerLoop(autograd, rule(adapted, manager, dataType), adapts);
        this.all = model.concat(loop.rule().parameters());
        if (components.hasWeighting()) {
            if (model.hasBuffers()) {
                throw new IllegalArgumentException("weighting the meta-batch's tasks is not supported with a model that"
                        + " keeps running statistics (buffers " + model.buffers().names() + "); use transductive batch"
                        + " norm (model.bn-mode = transductive)");
            }
            this.weighting = components.weighting();
            if (!batched()) {
                throw new IllegalArgumentException("weighting the meta-batch's tasks needs the task-batched graph"
                        + " (each task's meta-gradient is its gradient w.r.t. its own copy of the initialisation):"
                        + " set batched = true, with a model that supports task batching");
            }
            if (weighting.wantsLossesAfterStep()) {
                throw new IllegalArgumentException("this weighting method needs the losses of the same tasks after"
                        + " the step, but a meta-batch draws new tasks every step; use a gradient-based method"
                        + " (mgda, pcgrad, cagrad, imtl, nashmtl)");
            }
            weighting.init(metaBatch); // before parameters(), which per-task methods create here
            if (weighting.parameters().size() > 0) {
                throw new IllegalArgumentException("this weighting method learns parameters of its own for each task"
                        + " slot, but a meta-batch draws new tasks every step; use a gradient-based method (mgda,"
                        + " pcgrad, cagrad, imtl, nashmtl)");
            }
            if (weighting.need(0) == Need.REPRESENTATION_GRADIENTS) {
                throw new IllegalArgumentException("this weighting method edits the gradient of a shared"
                        + " representation, which a meta-batch of tasks does not have; use mgda, pcgrad, cagrad,"
                        + " imtl or nashmtl");
            }
            this.all = all.concat(weighting.parameters());
        }
    }

    @Override
    public Params parameters() {
        return all;
    }

    @Override
    public final Metrics trainStep(Step step) {
        TaskBatch batch = source.sample(metaBatch, rng, step.manager());
        MetaGradient g = weighting == null ? metaGradient(all, batch, innerSteps, step.clock())
                : weightedMetaGradient(batch, step.clock(), step.manager());
        optimizer.step(all.trainable(), outerGradients(g.gradients()), step.learningRate());
        return Metrics.builder()
                .put(Metrics.LOSS, g.queryLoss())
                .put("loss-support", g.supportLoss())
                .build();
    }

    /**
     * The meta-loss of a meta-batch and its gradient.
     *
     * @param queryLoss the mean over tasks of the query loss after adaptation
     * @param supportLoss the mean over tasks of the support loss before adaptation
     * @param gradients one gradient per array of {@link #parameters()}
     */
    record MetaGradient(NDArray queryLoss, NDArray supportLoss, NDList gradients) {}

    /**
     * The meta-gradient of a meta-batch with respect to {@code params}, values of {@link
     * #parameters()} (exact second order unless {@code first-order}); zero inner steps give the
     * plain gradient of the query loss and a NaN support loss. The parameters must be attached to
     * the batch's manager (the runtime's step does it).
     */
    final MetaGradient metaGradient(Params params, TaskBatch batch, int steps) {
        return metaGradient(params, batch, steps, null);
    }

    /**
     * The meta-gradient, with the training clock handed to the model's passes (a schedule such as
     * ResNet-12's DropBlock warm-up follows it; null: the schedule's final value).
     */
    final MetaGradient metaGradient(Params params, TaskBatch batch, int steps, TrainingClock clock) {
        Params init = params.filter(model::contains);
        InnerLoop inner = new InnerLoop(autograd, loop.rule().with(params.filter(n -> !model.contains(n))), adapts);
        GraphMode mode = graphMode(clock);
        // buffers get no gradient: differentiate the trained arrays only (all of them without buffers)
        NDList trained = params.trainable().arrays();
        try (Autograd.Scope rec = autograd.record()) {
            if (batched()) {
                Batched b = adaptBatched(inner, init, batch, steps, mode, clock);
                NDList grads = autograd.grad(b.query(), trained, GraphMode.RELEASE);
                return new MetaGradient(b.query(), b.support(), grads);
            }
            NDArray total = null;
            NDArray supportTotal = null;
            for (int i = 0; i < batch.taskCount(); i++) {
                TaskBatch e = batch.episode(i);
                NDArray[] support = new NDArray[1];
                NDArray q = adaptAndQuery(inner, init, e, steps, mode, clock, support);
                total = total == null ? q : total.add(q);
                NDArray s = orNaN(support[0], q);
                supportTotal = supportTotal == null ? s : supportTotal.add(s);
            }
            NDArray count = Scalar.of(total.getManager(), batch.taskCount(), total.getDataType());
            NDArray query = total.div(count);
            NDList grads = autograd.grad(query, trained, GraphMode.RELEASE);
            return new MetaGradient(query, supportTotal.div(count), grads);
        }
    }

    /**
     * The meta-gradient when a weighting method combines the meta-batch's tasks instead of taking
     * their mean. The per-task meta-gradients {@code [T, P]} are the gradients of the summed query
     * losses with respect to the task-batched copies of the initialisation, one backward pass
     * through the whole (second-order) inner loop. A {@link Combination.SharedGradient}, divided by
     * the meta-batch size, becomes the initialisation's gradient (its head weights do not apply:
     * the meta-batch has no heads); the update rule's parameters, shared by all tasks, get the
     * gradient of the mean query loss. An {@link Combination.Objective} is divided by the
     * meta-batch size and differentiated. So unit weights (ls) give plain MAML's mean exactly.
     */
    final MetaGradient weightedMetaGradient(TaskBatch batch, TrainingClock clock, NDManager m) {
        int t = batch.taskCount();
        GraphMode mode = graphMode(clock);
        try (Autograd.Scope rec = autograd.record()) {
            Batched b = adaptBatched(loop, model, batch, innerSteps, mode, clock);
            Params copies = b.copies();
            NDArray perTask = b.perTaskQuery();
            NDArray query = b.query();
            NDArray support = b.support();
            Need need = weighting.need(clock.step());
            if (need == Need.REPRESENTATION_GRADIENTS) {
                throw new IllegalStateException("the weighting method asks for gradients of a shared representation,"
                        + " which a meta-batch of tasks does not have; use mgda, pcgrad, cagrad, imtl or nashmtl");
            }
            NDArray rows = null;
            if (need == Need.SHARED_GRADIENTS) {
                NDList g = autograd.grad(perTask.sum(), copies.arrays(), GraphMode.RETAIN);
                NDList flat = new NDList(g.size());
                for (NDArray gi : g) {
                    flat.add(gi.reshape(t, -1));
                }
                rows = flat.size() == 1 ? flat.get(0) : NDArrays.concat(flat, 1);
            }
            Combination c = weighting.combine(new TaskSignals(perTask, rows, null, null, clock, m));
            // divided by T: unit weights (ls) give exactly plain MAML's mean, so a method's
            // weights, not the meta-batch size, set the step
            NDArray perTaskShare = Scalar.of(m, 1.0 / t, query.getDataType());
            if (c instanceof Combination.Objective o) {
                NDList grads = autograd.grad(o.objective().mul(perTaskShare), all.arrays(), GraphMode.RELEASE);
                if (o.maxSharedGradientNorm() > 0) {
                    GradientRouter.clip(grads, modelIndices(), o.maxSharedGradientNorm());
                }
                return new MetaGradient(query, support, grads);
            }
            if (!(c instanceof Combination.SharedGradient sg)) {
                throw new IllegalStateException("the weighting method returned a " + c.getClass().getSimpleName()
                        + "; a meta-batch takes an objective or a shared gradient");
            }
            if (rows == null) {
                throw new IllegalStateException("the weighting method returned a shared gradient without asking for"
                        + " the per-task gradients (need = SHARED_GRADIENTS)");
            }
            NDArray[] out = new NDArray[all.size()];
            long offset = 0;
            for (int i = 0; i < model.size(); i++) {
                NDArray p = model.arrays().get(i);
                out[i] = sg.sharedGradient().get(offset + ":" + (offset + p.size())).reshape(p.getShape())
                        .mul(perTaskShare);
                offset += p.size();
            }
            NDList shared = new NDList(all.arrays().subList(model.size(), all.size()));
            NDList sharedGrads = shared.isEmpty() ? new NDList() : autograd.grad(query, shared, GraphMode.RELEASE);
            for (int i = 0; i < sharedGrads.size(); i++) {
                out[model.size() + i] = sharedGrads.get(i);
            }
            return new MetaGradient(query, support, new NDList(out));
        }
    }

    private int[] modelIndices() {
        int[] idx = new int[model.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        return idx;
    }

    private boolean batched() {
        return batchedWhenPossible && backbone.supportsTaskBatch();
    }

    private static NDArray orNaN(NDArray value, NDArray like) {
        return value != null ? value : like.getManager().create(Double.NaN).toType(like.getDataType(), false);
    }

    /**
     * The task-batched adaptation both meta-gradients start from, in the caller's recording scope
     * (the copies must be recorded to be a function of {@code init}).
     *
     * @param copies the task-batched copies of the initialisation the inner loop started from
     * @param perTaskQuery the query loss of each task after adaptation, {@code [T]}
     * @param query their mean
     * @param support the mean support loss before the first step (NaN after zero steps)
     */
    private record Batched(Params copies, NDArray perTaskQuery, NDArray query, NDArray support) {}

    private Batched adaptBatched(InnerLoop inner, Params init, TaskBatch batch, int steps, GraphMode mode,
            TrainingClock clock) {
        Params copies = InnerLoop.taskBatched(init, batch.taskCount());
        NDArray[] support = new NDArray[1];
        NDArray perTask = adaptAndQuery(inner, copies, batch, steps, mode, clock, support);
        if (init.hasBuffers()) {
            foldRunningStatistics(init, copies);
        }
        NDArray query = perTask.mean();
        return new Batched(copies, perTask, query, orNaN(support[0], query));
    }

    /**
     * Adapts on the support set and returns the query loss: after the last step (MAML), or the
     * weighted sum over the steps of {@link #queryLossWeights} (MAML++'s multi-step loss).
     *
     * @param support receives the mean support loss before the first step (null after zero steps)
     * @return per-task losses {@code [T]} for task-batched parameters, else a scalar
     */
    private NDArray adaptAndQuery(InnerLoop inner, Params start, TaskBatch e, int steps, GraphMode mode,
            TrainingClock clock, NDArray[] support) {
        InnerLoop.Loss supportLoss = (p, k) -> losses(p, e.supportInputs(), e.supportTargets(), k, clock);
        double[] weights = steps == 0 ? null : queryLossWeights(steps, clock);
        if (weights == null) {
            InnerLoop.Adapted a = inner.adapt(start, supportLoss, steps, mode);
            support[0] = a.firstSupportLoss();
            return losses(a.params(), e.queryInputs(), e.queryTargets(), queryInnerStep(steps), clock);
        }
        if (weights.length != steps) {
            throw new IllegalStateException(weights.length + " query-loss weights for " + steps + " steps");
        }
        NDArray[] sum = new NDArray[1];
        InnerLoop.Adapted a = inner.adapt(start, supportLoss, steps, mode, (k, p) -> {
            if (weights[k] != 0) {
                NDArray q = losses(p, e.queryInputs(), e.queryTargets(), queryInnerStep(k + 1), clock);
                NDArray w = q.mul(Scalar.of(q.getManager(), weights[k], q.getDataType()));
                sum[0] = sum[0] == null ? w : sum[0].add(w);
            }
        });
        support[0] = a.firstSupportLoss();
        if (sum[0] == null) {
            throw new IllegalStateException("every query-loss weight is zero");
        }
        return sum[0];
    }

    /**
     * Each task's copy of the running statistics was updated by its own passes, all from the same
     * start; the originals take their mean over the meta-batch (task after task, as MAML++'s code
     * runs them, the momentum would compound instead: the task-by-task path does exactly that).
     */
    private void foldRunningStatistics(Params init, Params copies) {
        try (Autograd.Scope off = autograd.pause()) {
            for (String n : init.buffers().names()) {
                init.get(n).set(copies.get(n).mean(new int[] {0}).toType(init.get(n).getDataType(), false)
                        .toByteBuffer());
            }
        }
    }

    /** Per-task mean losses: {@code [T]} for task-batched inputs, a scalar for one episode. */
    private NDArray losses(Params p, NDArray x, NDArray y, int innerStep, TrainingClock clock) {
        Forward f = clock == null ? Forward.training(rng) : Forward.training(rng, clock);
        return task.loss(backbone.forward(p, x, innerStep < 0 ? f : f.atInnerStep(innerStep)).get(0), Targets.of(y));
    }

    @Override
    public Evaluation evaluate(Split split, NDManager evaluation) {
        int count = split == Split.TEST ? testTasks : evalTasks;
        Episodes episodes = source.evaluationEpisodes(split, count);
        int[] marks = evalExtraSteps > evalSteps ? new int[] {0, evalSteps, evalExtraSteps} : new int[] {0, evalSteps};
        double[][] perTask = new double[marks.length][count];
        List<Figure.Panel> panels = new ArrayList<>();
        int chunk = Math.max(1, metaBatch);
        for (int from = 0; episodes.remaining() > 0; from += chunk) {
            try (NDManager m = evaluation.newSubManager()) {
                TaskBatch b = episodes.next(chunk, m);
                evaluateChunk(b, m, from, marks, perTask, from == 0 ? panels : null);
            }
        }
        String name = task.metric().name();
        Direction d = task.metric().direction();
        Metrics.Builder out = Metrics.builder();
        MeanCi95.of(perTask[0]).putInto(out, name + "-pre", d);
        MeanCi95.of(perTask[1]).putInto(out, name + "-post", d);
        if (marks.length > 2) {
            MeanCi95.of(perTask[2]).putInto(out, name + "-post-" + evalExtraSteps, d);
        }
        // the protocol, beside the numbers it produced (summary.json)
        out.put("inner-steps", evalSteps).put("episodes", count);
        List<Figure> figures = panels.isEmpty() ? List.of() : List.of(new Figure("adapted-fits", panels, 2));
        return new Evaluation(out.build(), figures);
    }

    private void evaluateChunk(TaskBatch b, NDManager m, int offset, int[] marks, double[][] perTask,
            List<Figure.Panel> panels) {
        int t = b.taskCount();
        boolean batched = batched();
        all.tempAttach(m);
        Params start = InnerLoop.taskBatched(model, t).map(NDArray::duplicate);
        List<double[]> predictions = new ArrayList<>();
        int[] mark = {0};
        NDList support = new NDList(b.supportInputs(), b.supportTargets());
        loop.walk(start, (p, k) -> predict(p, b.supportInputs(), batched, k, b.supportTargets()), marks[marks.length - 1],
                m, (k, p) -> {
                    if (mark[0] < marks.length && k == marks[mark[0]]) {
                        NDArray pred = predict(p, b.queryInputs(), batched, queryInnerStep(k), null);
                        double[] v = toDoubles(task.score(pred, Targets.of(b.queryTargets())));
                        // several marks may fall on one step (eval-steps = 0: "post" is "pre")
                        for (; mark[0] < marks.length && k == marks[mark[0]]; mark[0]++) {
                            System.arraycopy(v, 0, perTask[mark[0]], offset, t);
                            if (panels != null) {
                                predictions.add(toDoubles(pred));
                            }
                        }
                    }
                }, support);
        if (panels != null && b.queryInputs().getShape().get(2) == 1 && task instanceof RegressionTask) {
            panels.addAll(AdaptedFits.panels(b, predictions, marks, 4));
        }
    }

    /**
     * Predictions of task-batched parameters; with {@code targets}, the per-task losses instead.
     * A backbone without task batching runs task by task.
     */
    private NDArray predict(Params fast, NDArray x, boolean batched, int innerStep, NDArray targets) {
        // An evaluation pass, adaptation included: no dropout or DropBlock; batch norm is
        // transductive here (a model with running statistics is refused), so it is the same.
        // MAML++ may ask for training passes (its code's batch statistics); they update only the
        // chunk's copies of any running statistics, which are dropped with it.
        Forward pass = evaluatesInTrainingMode() ? Forward.training(rng) : Forward.evaluation(rng);
        Forward f = innerStep < 0 ? pass : pass.atInnerStep(innerStep);
        NDArray pred;
        if (batched) {
            pred = backbone.forward(fast, x, f).get(0);
        } else {
            NDList outs = new NDList();
            for (int i = 0; i < x.getShape().get(0); i++) {
                int task = i;
                outs.add(backbone.forward(fast.map(w -> w.get(task)), x.get(task), f).get(0));
            }
            pred = NDArrays.stack(outs);
        }
        return targets == null ? pred : task.loss(pred, Targets.of(targets));
    }

    private static double[] toDoubles(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    @Override
    public Selection selection() {
        return new Selection(task.metric().name() + "-post", task.metric().higherIsBetter());
    }

    /** @return the backbone's parameters (without the rule's) */
    final Params model() {
        return model;
    }

    // ---- what MAML++'s ensemble reads ----

    final Autograd autograd() {
        return autograd;
    }

    final TaskSource source() {
        return source;
    }

    final Task task() {
        return task;
    }

    final int metaBatch() {
        return metaBatch;
    }

    final int evalTasks() {
        return evalTasks;
    }

    final int testTasks() {
        return testTasks;
    }

    /**
     * The query predictions of an evaluation chunk after the evaluation's adaptation steps, from
     * other values of {@link #parameters()} (an ensemble member's).
     *
     * @param values arrays aligned with {@link #parameters()}
     * @param b the chunk's episodes
     * @param m the chunk's manager
     * @return {@code [T, Q, ...]} predictions
     */
    final NDArray adaptedQueryPredictions(Params values, TaskBatch b, NDManager m) {
        values.tempAttach(m);
        Params init = values.filter(model::contains);
        InnerLoop inner = new InnerLoop(autograd, loop.rule().with(values.filter(n -> !model.contains(n))), adapts);
        boolean batched = batched();
        Params start = InnerLoop.taskBatched(init, b.taskCount()).map(NDArray::duplicate);
        NDArray[] out = new NDArray[1];
        inner.walk(start, (p, k) -> predict(p, b.supportInputs(), batched, k, b.supportTargets()), evalSteps, m,
                (k, p) -> {
                    if (k == evalSteps) {
                        out[0] = predict(p, b.queryInputs(), batched, queryInnerStep(k), null);
                    }
                }, new NDList(b.supportInputs(), b.supportTargets()));
        return out[0];
    }
}
