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
import dev.meta4j.api.algorithm.Evaluation;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.algorithm.Selection;
import dev.meta4j.api.algorithm.Step;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.api.data.MultiTaskDataset;
import dev.meta4j.api.data.Objective;
import dev.meta4j.api.data.TaskSpec;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingMethod;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * Supervised multi-task learning with hard parameter sharing, driven by a weighting method.
 *
 * <p>Each step computes the task losses on one minibatch and asks the weighting method what it
 * needs: the losses alone (one backward pass of its objective), the per-task gradients of the
 * shared parameters (one backward pass per task, which also yields each head's own gradient), or
 * the per-task gradients of the shared representation (MGDA-UB, GradDrop). With {@code tasks} naming a
 * subset, only those tasks' losses are trained: the single-task baselines of Δm%. The best
 * checkpoint is then selected on the trained tasks' validation metric ({@code left/accuracy} for
 * one task), never on the untrained heads.
 */
public final class MultiTask implements Algorithm {

    private final Rng rng;
    private final Autograd autograd;
    private final NDManager manager;
    private final DataType dataType;
    private final int batchSize;
    private final int evalBatchSize;
    private final double maxGradNorm;
    private final List<String> trainedTaskNames;
    private final long shuffleSeed;

    private MultiTaskDataset dataset;
    private Backbone backbone;
    private Optimizer optimizer;
    private WeightingMethod weighting;
    private List<TaskSpec> tasks;
    private int[] trained;
    private Params model;
    private Params all;
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
        this.trainedTaskNames = c.hasPath("tasks") ? c.getStringList("tasks") : null;
        this.shuffleSeed = rng.split("shuffle").nextLong();
    }

    @Override
    public void init(Components components) {
        dataset = components.dataset(MultiTaskDataset.class);
        backbone = components.backbone(Backbone.class);
        optimizer = components.optimizer();
        weighting = components.weighting();
        DataSpec spec = dataset.spec();
        tasks = spec.tasks();
        trained = trainedTasks(spec);
        if (dataset.size(Split.TRAIN) == 0) {
            throw new IllegalArgumentException("the dataset has no training examples");
        }
        model = backbone.init(spec, rng.split("init"), manager, dataType);
        weighting.init(trained.length);
        all = model.concat(weighting.parameters());
        if (model.headCount() != tasks.size()) {
            throw new IllegalArgumentException("multitask needs one head per task: the dataset has " + tasks.size()
                    + " tasks, the model " + model.headCount() + " heads");
        }
        router = new GradientRouter(autograd, model, all, tasks.size(), trained);
        stepsPerEpoch = (dataset.size(Split.TRAIN) + batchSize - 1) / batchSize;
    }

    private int[] trainedTasks(DataSpec spec) {
        if (trainedTaskNames == null) {
            int[] allTasks = new int[spec.taskCount()];
            for (int i = 0; i < allTasks.length; i++) {
                allTasks[i] = i;
            }
            return allTasks;
        }
        List<String> names = spec.tasks().stream().map(TaskSpec::name).toList();
        int[] out = new int[trainedTaskNames.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = names.indexOf(trainedTaskNames.get(i));
            if (out[i] < 0) {
                throw new IllegalArgumentException("algorithm.tasks names '" + trainedTaskNames.get(i)
                        + "', the dataset's tasks are " + names);
            }
        }
        return out;
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
        all.tempAttach(m);
        MultiTaskBatch batch = dataset.batch(Split.TRAIN, indices(step.index()), m);
        Need need = weighting.need(step.index());
        NDList grads;
        NDArray losses;
        Combination combination;
        try (Autograd.Scope rec = autograd.record()) {
            Forward training = Forward.training(rng);
            NDArray representation = backbone.encode(model, batch.inputs(), training);
            losses = taskLosses(backbone.heads(model, representation, training), batch.targets());
            NDArray[] rows = trainedLosses(losses);
            NDArray trainedLosses = NDArrays.stack(new NDList(rows));
            switch (need) {
                case LOSSES -> {
                    combination = weighting.combine(TaskSignals.lossesOnly(trainedLosses, step.clock(), m));
                    grads = router.gradients(combination, null);
                }
                case SHARED_GRADIENTS -> {
                    GradientRouter.PerTask perTask = router.perTask(rows);
                    combination = weighting.combine(
                            new TaskSignals(trainedLosses, perTask.shared(), null, null, step.clock(), m));
                    grads = router.gradients(combination, perTask);
                }
                case REPRESENTATION_GRADIENTS -> {
                    GradientRouter.PerTask perTask = router.perTaskRepresentation(rows, representation);
                    combination = weighting.combine(new TaskSignals(trainedLosses, null,
                            perTask.representationGradients(), representation.stopGradient(), step.clock(), m));
                    grads = router.gradients(combination, perTask);
                }
                default -> throw new IllegalStateException("unknown need " + need);
            }
        }
        if (maxGradNorm > 0) {
            router.clipAll(grads, maxGradNorm);
        }
        optimizer.step(all, grads, step.learningRate());
        if (weighting.wantsLossesAfterStep()) {
            try (Autograd.Scope off = autograd.pause()) {
                NDArray after = taskLosses(backbone.forward(model, batch.inputs(), Forward.training(rng)), batch.targets());
                weighting.afterStep(NDArrays.stack(new NDList(trainedLosses(after))));
            }
        }
        return stepMetrics(losses, combination);
    }

    private NDArray[] trainedLosses(NDArray losses) {
        NDArray[] rows = new NDArray[trained.length];
        for (int i = 0; i < trained.length; i++) {
            rows[i] = losses.get(trained[i]);
        }
        return rows;
    }

    private Metrics stepMetrics(NDArray losses, Combination combination) {
        double[] l = losses.toType(DataType.FLOAT64, false).toDoubleArray();
        Metrics.Builder b = Metrics.builder();
        double total = 0;
        for (int i : trained) {
            total += l[i];
        }
        b.put("loss", total);
        for (int i = 0; i < tasks.size(); i++) {
            b.put("loss/" + tasks.get(i).name(), l[i]);
        }
        if (combination.taskWeights() != null) {
            double[] w = combination.taskWeights().toType(DataType.FLOAT64, false).toDoubleArray();
            for (int i = 0; i < trained.length && i < w.length; i++) {
                b.put("weight/" + tasks.get(trained[i]).name(), w[i]);
            }
        }
        return b.build();
    }

    /** Per-task losses as one vector {@code [K]}, recorded. */
    private NDArray taskLosses(NDList outputs, NDList targets) {
        NDList l = new NDList(tasks.size());
        for (int i = 0; i < tasks.size(); i++) {
            l.add(tasks.get(i).objective().loss(outputs.get(i), targets.get(i)));
        }
        return NDArrays.stack(l);
    }

    @Override
    public Evaluation evaluate(Split split, NDManager evalManager) {
        int n = dataset.size(split);
        if (n == 0) {
            throw new IllegalArgumentException("the dataset has no " + split.key() + " examples");
        }
        double[] lossSum = new double[tasks.size()];
        double[] metricSum = new double[tasks.size()];
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
                        Objective o = tasks.get(t).objective();
                        lossSum[t] += idx.length * scalar(o.loss(out.get(t), b.targets().get(t)));
                        metricSum[t] += idx.length * scalar(o.metric(out.get(t), b.targets().get(t)));
                    }
                }
            }
        }
        Metrics.Builder mb = Metrics.builder();
        for (int t = 0; t < tasks.size(); t++) {
            String name = tasks.get(t).name();
            mb.put(name + "/" + tasks.get(t).objective().metricName(), metricSum[t] / n);
            mb.put(name + "/loss", lossSum[t] / n);
        }
        if (trained.length > 1) {
            double metricMean = 0;
            double lossMean = 0;
            for (int t : trained) {
                metricMean += metricSum[t] / n / trained.length;
                lossMean += lossSum[t] / n / trained.length;
            }
            mb.put(selectionMetricName(), sameObjective() ? metricMean : lossMean);
        }
        return Evaluation.of(mb.build());
    }

    private static double scalar(NDArray a) {
        return a.toType(DataType.FLOAT64, false).getDouble();
    }

    // Selection looks at the trained tasks only: a single-task baseline chosen by the mean over
    // its untrained heads as well would be chosen partly by noise.
    private boolean sameObjective() {
        return Arrays.stream(trained).mapToObj(t -> tasks.get(t).objective()).distinct().count() == 1;
    }

    private String selectionMetricName() {
        Objective first = tasks.get(trained[0]).objective();
        if (trained.length == 1) {
            return tasks.get(trained[0]).name() + "/" + first.metricName();
        }
        return sameObjective() ? "mean-" + first.metricName() : "mean-loss";
    }

    @Override
    public Selection selection() {
        boolean higher = sameObjective() && tasks.get(trained[0]).objective().higherIsBetter();
        return new Selection(selectionMetricName(), higher);
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
