package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.api.data.MultiTaskDataset;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.TaskEvaluator;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingMethod;
import java.util.List;
import java.util.OptionalLong;

/**
 * Supervised multi-task learning with hard parameter sharing, driven by a weighting method.
 *
 * <p>Each step computes the task losses on one minibatch and asks the weighting method what it
 * needs: the losses alone (one backward pass of its objective), the per-task gradients of the
 * shared parameters (one backward pass per task, which also yields each head's own gradient), or
 * the per-task gradients of the shared representation (MGDA-UB, GradDrop). A dataset of one task (the
 * single-task baselines of Δm%, {@code experiment.tasks = [left]}) needs no weighting section:
 * its loss is the objective, and the best checkpoint is selected on its own validation metric
 * ({@code left/accuracy}).
 */
public final class MultiTask implements Algorithm {

    private final Rng rng;
    private final Autograd autograd;
    private final NDManager manager;
    private final DataType dataType;
    private final int batchSize;
    private final int evalBatchSize;
    private final double maxGradNorm;
    private final long shuffleSeed;
    private final long augmentationSeed;

    private MultiTaskDataset dataset;
    private Backbone backbone;
    private Optimizer optimizer;
    private WeightingMethod weighting;
    private List<Task> tasks;
    private Params model;
    private Params all;
    /** {@code all} without buffers (batch norm's running statistics): what gradients and the optimizer see. */
    private Params trained;
    private GradientRouter router;
    private long stepsPerEpoch;
    private long permutationEpoch = -1;
    private int[] permutation;

    MultiTask(PluginContext ctx) {
        Config c = ctx.config();
        this.rng = ctx.rng();
        this.autograd = ctx.autograd();
        this.manager = ctx.manager();
        this.dataType = ctx.dataType();
        this.batchSize = c.getInt("batch-size");
        this.evalBatchSize = c.getInt("eval-batch-size");
        this.maxGradNorm = c.getDouble("max-grad-norm");
        this.shuffleSeed = rng.split("shuffle").nextLong();
        this.augmentationSeed = rng.split("augmentation").nextLong();
    }

    @Override
    public void init(Components components) {
        dataset = components.dataset(MultiTaskDataset.class);
        backbone = components.backbone(Backbone.class);
        optimizer = components.optimizer();
        DataSpec spec = dataset.spec();
        // One task needs no weighting: its loss is the objective (a single-task baseline).
        weighting = spec.taskCount() == 1 && !components.hasWeighting() ? new OneTask() : components.weighting();
        tasks = spec.tasks();
        if (dataset.size(Split.TRAIN) == 0) {
            throw new IllegalArgumentException("the dataset has no training examples");
        }
        model = backbone.init(spec, rng.split("init"), manager, dataType);
        weighting.init(tasks.size());
        all = model.concat(weighting.parameters());
        // Gradients and the optimizer see the trained parameters only: a model's buffers (batch
        // norm's running statistics, updated by the forward pass) need no gradient, and asking
        // torch.autograd.grad for one fails. parameters() keeps them, so checkpoints hold them.
        trained = all.trainable();
        if (model.headCount() != tasks.size()) {
            throw new IllegalArgumentException("multitask needs one head per task: the dataset has " + tasks.size()
                    + " tasks, the model " + model.headCount() + " heads");
        }
        router = new GradientRouter(autograd, model.trainable(), trained, tasks.size(),
                java.util.stream.IntStream.range(0, tasks.size()).toArray());
        stepsPerEpoch = (dataset.size(Split.TRAIN) + batchSize - 1) / batchSize;
    }

    /** The objective of a single task: its loss, unweighted. */
    private static final class OneTask implements WeightingMethod {
        @Override
        public Need need(long step) {
            return Need.LOSSES;
        }

        @Override
        public Combination combine(TaskSignals signals) {
            return new Combination.Objective(signals.losses().sum(), null);
        }
    }

    @Override
    public Params parameters() {
        return all;
    }

    @Override
    public OptionalLong stepsPerEpoch() {
        return OptionalLong.of(stepsPerEpoch);
    }

    /** The examples of a step: each epoch is a fresh permutation, derived from the seed and the epoch alone. */
    private int[] indices(long step) {
        long epoch = step / stepsPerEpoch;
        int n = dataset.size(Split.TRAIN);
        if (epoch != permutationEpoch) {
            permutation = new Rng(shuffleSeed).split("epoch-" + epoch).permutation(n);
            permutationEpoch = epoch;
        }
        int from = Math.toIntExact((step % stepsPerEpoch) * batchSize);
        int to = Math.min(n, from + batchSize);
        int[] idx = new int[to - from];
        System.arraycopy(permutation, from, idx, 0, idx.length);
        return idx;
    }

    @Override
    public Metrics trainStep(Step step) {
        NDManager m = step.manager();
        // The dataset's augmentation of a step derives from the seed and the step alone, like the shuffle.
        MultiTaskBatch batch = dataset.trainingBatch(indices(step.index()),
                new Rng(augmentationSeed).split("step-" + step.index()), m);
        Need need = weighting.need(step.index());
        NDList grads;
        NDArray losses;
        Combination combination;
        try (Autograd.Scope rec = autograd.record()) {
            Forward training = Forward.training(rng, step.clock());
            NDArray representation = backbone.encode(model, batch.inputs(), training);
            losses = taskLosses(backbone.heads(model, representation, training), batch);
            switch (need) {
                case LOSSES -> {
                    combination = weighting.combine(TaskSignals.lossesOnly(losses, step.clock(), m));
                    grads = router.gradients(combination, null);
                }
                case SHARED_GRADIENTS -> {
                    GradientRouter.PerTask perTask = router.perTask(rows(losses));
                    combination = weighting.combine(
                            new TaskSignals(losses, perTask.shared(), null, null, step.clock(), m));
                    grads = router.gradients(combination, perTask);
                }
                case REPRESENTATION_GRADIENTS -> {
                    GradientRouter.PerTask perTask = router.perTaskRepresentation(rows(losses), representation);
                    combination = weighting.combine(new TaskSignals(losses, null,
                            perTask.representationGradients(), representation.stopGradient(), step.clock(), m));
                    grads = router.gradients(combination, perTask);
                }
                default -> throw new IllegalStateException("unknown need " + need);
            }
        }
        if (maxGradNorm > 0) {
            router.clipAll(grads, maxGradNorm);
        }
        optimizer.step(trained, grads, step.learningRate());
        if (weighting.wantsLossesAfterStep()) {
            try (Autograd.Scope off = autograd.pause()) {
                NDArray after = taskLosses(
                        backbone.forward(model, batch.inputs(), Forward.training(rng, step.clock())), batch);
                weighting.afterStep(after);
            }
        }
        return stepMetrics(losses, combination);
    }

    /** The task losses one by one, each a row of the recorded vector (for per-task backward passes). */
    private NDArray[] rows(NDArray losses) {
        NDArray[] rows = new NDArray[tasks.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = losses.get(i);
        }
        return rows;
    }

    private Metrics stepMetrics(NDArray losses, Combination combination) {
        double[] l = losses.toType(DataType.FLOAT64, false).toDoubleArray();
        Metrics.Builder b = Metrics.builder();
        double total = 0;
        for (int i = 0; i < tasks.size(); i++) {
            total += l[i];
        }
        b.put("loss", total);
        for (int i = 0; i < tasks.size(); i++) {
            b.put("loss/" + tasks.get(i).name(), l[i]);
        }
        if (combination.taskWeights() != null) {
            double[] w = combination.taskWeights().toType(DataType.FLOAT64, false).toDoubleArray();
            for (int i = 0; i < tasks.size() && i < w.length; i++) {
                b.put("weight/" + tasks.get(i).name(), w[i]);
            }
        }
        return b.build();
    }

    /** Per-task losses as one vector {@code [K]}, recorded. */
    private NDArray taskLosses(NDList outputs, MultiTaskBatch batch) {
        NDList l = new NDList(tasks.size());
        for (int i = 0; i < tasks.size(); i++) {
            Task t = tasks.get(i);
            l.add(t.loss(outputs.get(i), batch.targets(t.name())));
        }
        return NDArrays.stack(l);
    }

    @Override
    public Evaluation evaluate(Split split, NDManager evalManager) {
        int n = dataset.size(split);
        if (n == 0) {
            throw new IllegalArgumentException("the dataset has no " + split.key() + " examples");
        }
        List<TaskEvaluator> evaluators = tasks.stream().map(Task::newEvaluator).toList();
        try (Autograd.Scope off = autograd.pause()) {
            for (int from = 0; from < n; from += evalBatchSize) {
                int to = Math.min(n, from + evalBatchSize);
                int[] idx = new int[to - from];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = from + i;
                }
                try (NDManager m = evalManager.newSubManager()) {
                    model.tempAttach(m);
                    MultiTaskBatch b = dataset.batch(split, idx, m);
                    NDList out = backbone.forward(model, b.inputs(), Forward.evaluation(rng));
                    for (int t = 0; t < tasks.size(); t++) {
                        evaluators.get(t).add(out.get(t), b.targets(tasks.get(t).name()));
                    }
                }
            }
        }
        Metrics.Builder mb = Metrics.builder();
        List<Metrics> results = evaluators.stream().map(TaskEvaluator::result).toList();
        for (int t = 0; t < tasks.size(); t++) {
            mb.putAll(results.get(t).prefixed(tasks.get(t).name() + "/"));
        }
        if (tasks.size() > 1) {
            putMeans(mb, results);
            if (mb.build().get(selectionMetricName()).isEmpty()) {
                throw new IllegalStateException("the tasks do not all report '" + selectionMetricName().substring(5)
                        + "' with one direction, so multitask cannot select checkpoints by " + selectionMetricName());
            }
        }
        return Evaluation.of(mb.build());
    }

    /**
     * {@code mean-<name>}, the unweighted mean over the tasks, of every metric that all tasks
     * report with the same direction (CelebA's mean F1 and accuracy over its 40 attributes, QM9's
     * mean MAE, every dataset's mean loss), in the first task's order.
     */
    private void putMeans(Metrics.Builder mb, List<Metrics> results) {
        Metrics first = results.get(0);
        for (String name : first.asMap().keySet()) {
            java.util.Optional<Direction> direction = first.direction(name);
            double sum = 0;
            boolean everyTask = true;
            for (Metrics r : results) {
                everyTask &= r.get(name).isPresent() && r.direction(name).equals(direction);
                sum += r.get(name).orElse(Double.NaN);
            }
            if (everyTask) {
                mb.put("mean-" + name, sum / results.size(), direction.orElse(null));
            }
        }
    }

    private boolean sameMetric() {
        return tasks.stream().map(Task::metric).distinct().count() == 1;
    }

    private String selectionMetricName() {
        Task first = tasks.get(0);
        if (tasks.size() == 1) {
            return first.name() + "/" + first.metric().name();
        }
        return sameMetric() ? "mean-" + first.metric().name() : "mean-loss";
    }

    private Direction selectionDirection() {
        return sameMetric() ? tasks.get(0).metric().direction() : Direction.LOWER_IS_BETTER;
    }

    @Override
    public Selection selection() {
        return new Selection(selectionMetricName(), selectionDirection().higherIsBetter());
    }

    @Override
    public void saveState(StateDict state) {
        // The shuffle of each epoch derives from the seed and the epoch alone: nothing to save.
    }

    /** Registers {@code multitask}. */
    @AutoService(AlgorithmFactory.class)
    public static final class Factory implements AlgorithmFactory {
        @Override
        public String name() {
            return "multitask";
        }

        @Override
        public String summary() {
            return "supervised multi-task learning with hard parameter sharing, driven by a weighting method";
        }

        @Override
        public Algorithm create(PluginContext ctx) {
            return new MultiTask(ctx);
        }
    }
}
