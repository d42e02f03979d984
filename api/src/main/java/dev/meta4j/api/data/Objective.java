package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;

/**
 * What a task's output is trained for: the loss and the headline metric that go with it.
 *
 * <p>Predictions have shape {@code [..., N, outputs]}; targets {@code [..., N, outputs]} for
 * regression and {@code [..., N]} integer class indices for classification. Both the loss and
 * the metric average over the {@code N} examples (and outputs), keeping any leading dimensions,
 * so a task-batched prediction {@code [T, N, C]} gives one value per task.
 */
public enum Objective {

    /** Mean squared error; the metric is the same MSE. */
    REGRESSION("mse", false) {
        @Override
        public NDArray loss(NDArray prediction, NDArray target) {
            NDArray d = prediction.sub(target);
            return meanLastTwo(d.mul(d));
        }

        @Override
        public NDArray metric(NDArray prediction, NDArray target) {
            return loss(prediction, target);
        }
    },

    /** Softmax cross-entropy on logits; the metric is accuracy. */
    CLASSIFICATION("accuracy", true) {
        @Override
        public NDArray loss(NDArray prediction, NDArray target) {
            NDArray logp = prediction.logSoftmax(-1);
            NDArray picked =
                    logp.gather(target.toType(ai.djl.ndarray.types.DataType.INT64, false).expandDims(-1), -1);
            return meanLastTwo(picked).neg();
        }

        @Override
        public NDArray metric(NDArray prediction, NDArray target) {
            NDArray hit =
                    prediction.argMax(-1).eq(target.toType(ai.djl.ndarray.types.DataType.INT64, false));
            return hit.toType(prediction.getDataType(), false).mean(new int[] {-1});
        }
    };

    private final String metricName;
    private final boolean higherIsBetter;

    Objective(String metricName, boolean higherIsBetter) {
        this.metricName = metricName;
        this.higherIsBetter = higherIsBetter;
    }

    /**
     * The training loss, averaged over examples.
     *
     * @param prediction the model output
     * @param target the targets
     * @return the loss, one value per leading index (a scalar for a plain batch)
     */
    public abstract NDArray loss(NDArray prediction, NDArray target);

    /**
     * The headline metric ({@link #metricName()}), averaged over examples.
     *
     * @param prediction the model output
     * @param target the targets
     * @return the metric, one value per leading index
     */
    public abstract NDArray metric(NDArray prediction, NDArray target);

    /**
     * The metric's name in reports: {@code mse} or {@code accuracy}.
     *
     * @return the name
     */
    public String metricName() {
        return metricName;
    }

    /**
     * Whether a larger metric is better.
     *
     * @return true for accuracy
     */
    public boolean higherIsBetter() {
        return higherIsBetter;
    }

    private static NDArray meanLastTwo(NDArray x) {
        // DJL's PyTorch mean takes one axis at a time; flatten the last two axes into one.
        long[] s = x.getShape().getShape();
        if (s.length < 2) {
            return x.mean();
        }
        long[] head = java.util.Arrays.copyOf(s, s.length - 1);
        head[head.length - 1] = -1;
        return x.reshape(head).mean(new int[] {-1});
    }
}
