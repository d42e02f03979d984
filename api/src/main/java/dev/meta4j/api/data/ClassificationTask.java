package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metric;

/**
 * Classification into a fixed number of classes: softmax cross-entropy on logits {@code [...,
 * N, classes]} against class indices {@code [..., N]}; the headline metric is accuracy. A mask
 * {@code [..., N]} leaves examples out of both.
 */
public final class ClassificationTask implements Task {

    private static final Metric ACCURACY = new Metric("accuracy", Direction.HIGHER_IS_BETTER);
    private static final Metric LOSS = new Metric("loss", Direction.LOWER_IS_BETTER);

    private final String name;
    private final int classes;

    /**
     * A classification task.
     *
     * @param name the task's name
     * @param classes the number of classes, at least 2
     */
    public ClassificationTask(String name, int classes) {
        TaskNames.check(name);
        if (classes < 2) {
            throw new IllegalArgumentException("task '" + name + "' has " + classes + " classes; it needs at least 2");
        }
        this.name = name;
        this.classes = classes;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long[] outputShape() {
        return new long[] {classes};
    }

    /**
     * The number of classes.
     *
     * @return the count
     */
    public int classes() {
        return classes;
    }

    @Override
    public NDArray loss(NDArray prediction, Targets targets) {
        NDArray logp = prediction.logSoftmax(-1);
        NDArray picked = logp.gather(targets.values().toType(DataType.INT64, false).expandDims(-1), -1);
        if (!targets.masked()) {
            return MeanOver.lastTwo(picked).neg();
        }
        NDArray m = targets.mask().toType(prediction.getDataType(), false);
        return MeanOver.masked(picked.squeeze(-1), m).neg();
    }

    @Override
    public Metric metric() {
        return ACCURACY;
    }

    @Override
    public NDArray score(NDArray prediction, Targets targets) {
        NDArray hit = prediction.argMax(-1).eq(targets.values().toType(DataType.INT64, false))
                .toType(prediction.getDataType(), false);
        if (!targets.masked()) {
            return hit.mean(new int[] {-1});
        }
        return MeanOver.masked(hit, targets.mask().toType(prediction.getDataType(), false));
    }

    @Override
    public TaskEvaluator newEvaluator() {
        return new WeightedMeans(new Metric[] {ACCURACY, LOSS},
                new WeightedMeans.BatchMean[] {this::score, this::loss});
    }

    @Override
    public String toString() {
        return name + ": " + classes + "-way classification";
    }
}
