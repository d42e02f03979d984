package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.TaskEvaluator;
import java.util.function.BiFunction;

/**
 * What the tasks of the issue-10 benchmarks share: reductions over an example's trailing axes that
 * keep leading ones, masked means, and the split-wide mean loss.
 */
final class DenseLosses {

    /** The loss, the only metric these tasks compute themselves (issue 10 item 3 adds the papers'). */
    static final Metric LOSS = new Metric("loss", Direction.LOWER_IS_BETTER);

    private DenseLosses() {}

    /**
     * Sums the last {@code k} axes, keeping the leading ones.
     *
     * @param x an array of at least {@code k} axes
     * @param k how many trailing axes to sum
     * @return the sums, shaped as the leading axes (a scalar if there are none)
     */
    static NDArray sumLast(NDArray x, int k) {
        long[] s = x.getShape().getShape();
        long[] head = new long[s.length - k + 1];
        System.arraycopy(s, 0, head, 0, s.length - k);
        head[head.length - 1] = -1;
        return x.reshape(head).sum(new int[] {-1});
    }

    /**
     * {@code sum(x * mask) / max(sum(mask), 1)} over the last {@code k} axes: the sum over the
     * counted elements divided by the number of mask elements that count. With a mask of one
     * channel ({@code [N, 1, H, W]}) over values of several ({@code [N, 3, H, W]}) that is the
     * references' per-pixel count. A batch in which nothing counts gives 0, not NaN (the
     * references divide by zero there).
     *
     * @param x the values
     * @param mask broadcastable to {@code x} with as many axes, 1 where an element counts
     * @param k the axes of one batch's elements, examples included
     * @return the masked mean, one per leading index
     */
    static NDArray maskedMean(NDArray x, NDArray mask, int k) {
        NDArray total = sumLast(x.mul(mask), k);
        // The count is a constant of the targets (never recorded), so maximum(Number) is safe here.
        NDArray count = sumLast(mask, k).maximum(1);
        return total.div(count);
    }

    /**
     * The mask of targets in a prediction's type, or ones shaped as the targets' values.
     *
     * @param targets the targets
     * @param type the prediction's type
     * @return the mask
     */
    static NDArray mask(Targets targets, DataType type) {
        return targets.masked() ? targets.mask().toType(type, false) : targets.values().onesLike().toType(type, false);
    }

    /**
     * The split-wide mean of a task's loss: each batch's loss weighted by the elements it counted
     * (the mask's sum, else every target value), so uneven batches and masks give the mean over
     * every counted element of the split.
     */
    static final class MeanLoss implements TaskEvaluator {
        private final BiFunction<NDArray, Targets, NDArray> loss;
        private double sum;
        private double counted;

        MeanLoss(BiFunction<NDArray, Targets, NDArray> loss) {
            this.loss = loss;
        }

        @Override
        public void add(NDArray prediction, Targets targets) {
            double n = targets.masked()
                    ? targets.mask().toType(DataType.FLOAT64, false).sum().getDouble()
                    : targets.values().size();
            if (n > 0) {
                sum += n * loss.apply(prediction, targets).toType(DataType.FLOAT64, false).getDouble();
                counted += n;
            }
        }

        @Override
        public Metrics result() {
            return Metrics.builder().put(LOSS.name(), counted > 0 ? sum / counted : Double.NaN, LOSS.direction())
                    .build();
        }
    }
}
