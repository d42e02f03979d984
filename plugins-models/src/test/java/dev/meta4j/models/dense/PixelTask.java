package dev.meta4j.models.dense;

import ai.djl.ndarray.NDArray;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.TaskEvaluator;

/** A task of a given output shape for model tests: its loss is the mean of the prediction. */
record PixelTask(String name, long... shape) implements Task {

    @Override
    public long[] outputShape() {
        return shape.clone();
    }

    @Override
    public NDArray loss(NDArray prediction, Targets targets) {
        return prediction.mean();
    }

    @Override
    public Metric metric() {
        throw new UnsupportedOperationException("model tests score nothing");
    }

    @Override
    public NDArray score(NDArray prediction, Targets targets) {
        throw new UnsupportedOperationException("model tests score nothing");
    }

    @Override
    public TaskEvaluator newEvaluator() {
        throw new UnsupportedOperationException("model tests evaluate nothing");
    }
}
