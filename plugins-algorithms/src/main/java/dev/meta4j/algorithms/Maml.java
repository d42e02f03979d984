package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.AlgorithmFactory;
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
import dev.meta4j.api.data.RegressionTask;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.Episodes;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Model-Agnostic Meta-Learning (Finn, Abbeel &amp; Levine 2017): learn an initialisation from
 * which a few gradient steps on a task's support set fit its query set.
 *
 * <p>The meta-gradient differentiates through the inner SGD steps (second order), or treats the
 * inner gradients as constants ({@code first-order = true}, FOMAML). When the backbone supports
 * task-batched parameters, the whole meta-batch is one batched graph: every parameter gets a
 * leading task dimension, and the gradient of the sum of the per-task losses with respect to
 * those per-task copies is exactly each task's own gradient.
 */
public final class Maml implements Algorithm {

    private final Autograd autograd;
    private final Rng rng;
    private final double innerLr;
    private final int innerSteps;
    private final boolean firstOrder;
    private final int metaBatch;
    private final int evalTasks;
    private final int evalSteps;
    private final int evalExtraSteps;
    private final boolean batchedWhenPossible;
    private final NDManager manager;
    private final DataType dataType;

    private TaskSource source;
    private Backbone backbone;
    private Optimizer optimizer;
    private Task task;
    private Params params;

    Maml(PluginContext ctx) {
        Config config = ctx.config();
        this.autograd = ctx.autograd();
        this.rng = ctx.rng();
        this.innerLr = config.getDouble("inner-lr");
        this.innerSteps = config.getInt("inner-steps");
        this.firstOrder = config.getBoolean("first-order");
        this.metaBatch = config.getInt("meta-batch");
        this.evalTasks = config.getInt("eval-tasks");
        this.evalSteps = config.hasPath("eval-steps") ? config.getInt("eval-steps") : innerSteps;
        this.evalExtraSteps = config.getInt("eval-extra-steps");
        this.batchedWhenPossible = config.getBoolean("batched");
        this.manager = ctx.manager();
        this.dataType = ctx.dataType();
    }

    @Override
    public void init(Components components) {
        this.source = components.dataset(TaskSource.class);
        this.backbone = components.backbone(Backbone.class);
        this.optimizer = components.optimizer();
        if (source.spec().taskCount() != 1) {
            throw new IllegalArgumentException("maml adapts one output per episode; the dataset has "
                    + source.spec().taskCount() + " tasks per example");
        }
        this.task = source.spec().tasks().get(0);
        this.params = backbone.init(source.spec(), rng.split("init"), manager, dataType);
    }

    @Override
    public Params parameters() {
        return params;
    }

    @Override
    public Metrics trainStep(Step step) {
        NDManager m = step.manager();
        params.tempAttach(m);
        TaskBatch batch = source.sample(metaBatch, rng, m);
        MetaGradient g = metaGradient(params, batch);
        optimizer.step(params, g.gradients(), step.learningRate());
        return Metrics.builder()
                .put("loss", g.queryLoss())
                .put("loss-support", g.supportLoss())
                .build();
    }

    /**
     * The meta-loss of a meta-batch and its gradient with respect to the initial parameters.
     *
     * @param queryLoss the mean over tasks of the query loss after adaptation
     * @param supportLoss the mean over tasks of the support loss before adaptation
     * @param gradients one gradient per parameter
     */
    public record MetaGradient(NDArray queryLoss, NDArray supportLoss, NDList gradients) {}

    /**
     * Computes the meta-gradient of a meta-batch (exact second order unless {@code first-order}).
     * Arrays are created in the managers of the batch's arrays; the parameters should be
     * temp-attached to the same manager.
     *
     * @param init the initial parameters (leaves that require gradients)
     * @param batch the episodes
     * @return the meta-loss and gradient
     */
    public MetaGradient metaGradient(Params init, TaskBatch batch) {
        return metaGradient(init, batch, innerSteps);
    }

    /**
     * {@link #metaGradient(Params, TaskBatch)} with another number of inner steps; zero steps
     * gives the plain gradient of the query loss (and a NaN support loss).
     *
     * @param init the initial parameters
     * @param batch the episodes
     * @param innerSteps the inner SGD steps
     * @return the meta-loss and gradient
     */
    public MetaGradient metaGradient(Params init, TaskBatch batch, int innerSteps) {
        try (Autograd.Scope rec = autograd.record()) {
            if (batchedWhenPossible && backbone.supportsTaskBatch()) {
                int t = batch.taskCount();
                Params fast = init.map(w -> w.expandDims(0).broadcast(new Shape(t).addAll(w.getShape())));
                NDArray[] supportLoss = new NDArray[1];
                fast = adapt(fast, batch.supportInputs(), batch.supportTargets(), innerSteps,
                        firstOrder ? GraphMode.RELEASE : GraphMode.CREATE, supportLoss);
                NDArray query = taskLosses(fast, batch.queryInputs(), batch.queryTargets()).mean();
                NDList grads = autograd.grad(query, init.arrays(), GraphMode.RELEASE);
                return new MetaGradient(query, orNaN(supportLoss[0], query), grads);
            }
            NDArray total = null;
            NDArray supportTotal = null;
            for (int i = 0; i < batch.taskCount(); i++) {
                TaskBatch e = batch.episode(i);
                NDArray[] supportLoss = new NDArray[1];
                Params fast = adapt(init, e.supportInputs(), e.supportTargets(), innerSteps,
                        firstOrder ? GraphMode.RELEASE : GraphMode.CREATE, supportLoss);
                NDArray q = taskLosses(fast, e.queryInputs(), e.queryTargets());
                total = total == null ? q : total.add(q);
                NDArray s = orNaN(supportLoss[0], q);
                supportTotal = supportTotal == null ? s : supportTotal.add(s);
            }
            NDArray count = Scalar.of(total.getManager(), batch.taskCount(), total.getDataType());
            NDArray query = total.div(count);
            NDList grads = autograd.grad(query, init.arrays(), GraphMode.RELEASE);
            return new MetaGradient(query, supportTotal.div(count), grads);
        }
    }

    private static NDArray orNaN(NDArray value, NDArray like) {
        return value != null ? value : like.getManager().create(Double.NaN).toType(like.getDataType(), false);
    }

    /**
     * Inner-loop SGD on the support set. With {@link GraphMode#CREATE} the result stays
     * differentiable with respect to the initial parameters (second order); otherwise the inner
     * gradients are constants.
     */
    private Params adapt(Params fast, NDArray x, NDArray y, int steps, GraphMode mode, NDArray[] firstLoss) {
        NDArray lr = Scalar.of(x.getManager(), innerLr, x.getDataType());
        for (int k = 0; k < steps; k++) {
            NDArray losses = taskLosses(fast, x, y);
            NDArray loss = losses.sum();
            if (k == 0 && firstLoss != null) {
                firstLoss[0] = losses.mean();
            }
            NDList g = autograd.grad(loss, fast.arrays(), mode);
            fast = fast.zip(g, (w, gw) -> w.sub(gw.mul(lr)));
        }
        return fast;
    }

    /** Per-task mean losses: {@code [T]} for task-batched inputs, a scalar for one episode. */
    private NDArray taskLosses(Params p, NDArray x, NDArray y) {
        return task.loss(backbone.forward(p, x, Forward.training(rng)).get(0), Targets.of(y));
    }

    @Override
    public Evaluation evaluate(Split split, NDManager manager) {
        Episodes episodes = source.evaluationEpisodes(split, evalTasks);
        int[] marks = evalExtraSteps > evalSteps ? new int[] {0, evalSteps, evalExtraSteps} : new int[] {0, evalSteps};
        int maxSteps = marks[marks.length - 1];
        double[][] perTask = new double[marks.length][evalTasks];
        List<Figure.Panel> panels = new ArrayList<>();
        int chunk = Math.max(1, metaBatch);
        for (int from = 0; episodes.remaining() > 0; from += chunk) {
            try (NDManager m = manager.newSubManager()) {
                params.tempAttach(m);
                TaskBatch b = episodes.next(chunk, m);
                evaluateChunk(b, from, marks, maxSteps, perTask, from == 0 ? panels : null);
            }
        }
        String name = task.metric().name();
        Metrics.Builder out = Metrics.builder();
        Direction d = task.metric().direction();
        putMean(out, name + "-pre", perTask[0], d);
        putMean(out, name + "-post", perTask[1], d);
        if (marks.length > 2) {
            putMean(out, name + "-post-" + evalExtraSteps, perTask[2], d);
        }
        List<Figure> figures = panels.isEmpty() ? List.of() : List.of(new Figure("adapted-fits", panels, 2));
        return new Evaluation(out.build(), figures);
    }

    private void evaluateChunk(TaskBatch b, int offset, int[] marks, int maxSteps, double[][] perTask,
            List<Figure.Panel> panels) {
        int t = b.taskCount();
        Params fast = params.map(w -> w.expandDims(0).broadcast(new Shape(t).addAll(w.getShape())).duplicate());
        boolean batched = batchedWhenPossible && backbone.supportsTaskBatch();
        List<double[]> predictions = new ArrayList<>();
        int mark = 0;
        for (int k = 0; k <= maxSteps; k++) {
            if (k == marks[mark]) {
                try (Autograd.Scope off = autograd.pause()) {
                    NDArray pred = predict(fast, b.queryInputs(), batched);
                    double[] v = toDoubles(task.score(pred, Targets.of(b.queryTargets())));
                    System.arraycopy(v, 0, perTask[mark], offset, t);
                    if (panels != null) {
                        predictions.add(toDoubles(pred));
                    }
                }
                mark++;
            }
            if (k == maxSteps) {
                break;
            }
            try (Autograd.Scope rec = autograd.record()) {
                fast = fast.map(w -> w.stopGradient().duplicate());
                for (NDArray w : fast.arrays()) {
                    w.setRequiresGradient(true);
                }
                NDArray loss = predictLosses(fast, b.supportInputs(), b.supportTargets(), batched);
                NDList g = autograd.grad(loss, fast.arrays(), GraphMode.RELEASE);
                Params current = fast;
                fast = current.zip(g, (w, gw) -> w.sub(gw.mul(innerLr)));
            }
        }
        if (panels != null && b.queryInputs().getShape().get(2) == 1 && task instanceof RegressionTask) {
            panels.addAll(AdaptedFits.panels(b, predictions, marks, 4));
        }
    }

    private NDArray predict(Params fast, NDArray x, boolean batched) {
        if (batched) {
            return backbone.forward(fast, x, Forward.training(rng)).get(0);
        }
        NDList outs = new NDList();
        for (int i = 0; i < x.getShape().get(0); i++) {
            int task = i;
            Params p = fast.map(w -> w.get(task));
            outs.add(backbone.forward(p, x.get(task), Forward.training(rng)).get(0));
        }
        return NDArrays.stack(outs);
    }

    private NDArray predictLosses(Params fast, NDArray x, NDArray y, boolean batched) {
        return task.loss(predict(fast, x, batched), Targets.of(y)).sum();
    }

    private static void putMean(Metrics.Builder out, String name, double[] values, Direction direction) {
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= values.length;
        double var = 0;
        for (double v : values) {
            var += (v - mean) * (v - mean);
        }
        double sd = values.length > 1 ? Math.sqrt(var / (values.length - 1)) : 0;
        out.put(name, mean, direction);
        out.put(name + "-ci95", 1.96 * sd / Math.sqrt(values.length));
    }

    private static double[] toDoubles(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    @Override
    public Selection selection() {
        return new Selection(task.metric().name() + "-post", task.metric().higherIsBetter());
    }

    /** Registers {@code maml}. */
    @AutoService(AlgorithmFactory.class)
    public static final class Factory implements AlgorithmFactory {
        @Override
        public String name() {
            return "maml";
        }

        @Override
        public String summary() {
            return "MAML (Finn et al. 2017): exact second-order meta-gradient, or first-order (FOMAML)";
        }

        @Override
        public Algorithm create(PluginContext ctx) {
            return new Maml(ctx);
        }
    }
}
