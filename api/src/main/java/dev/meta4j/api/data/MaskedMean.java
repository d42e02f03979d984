package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;

/**
 * The masked mean every built-in task's loss and score uses, over an example's trailing axes,
 * keeping leading ones (the task dimension of a task-batched prediction). A task of a plugin
 * with a mask uses it too, so that all tasks count elements alike.
 */
public final class MaskedMean {

    private MaskedMean() {}

    /**
     * Sums the last {@code k} axes, keeping the leading ones.
     *
     * @param x an array of at least {@code k} axes
     * @param k how many trailing axes to sum
     * @return the sums, shaped as the leading axes (a scalar if there are none)
     */
    public static NDArray sumLast(NDArray x, int k) {
        long[] s = x.getShape().getShape();
        if (k < 1 || k > s.length) {
            throw new IllegalArgumentException("cannot sum the last " + k + " axes of " + x.getShape());
        }
        long[] head = new long[s.length - k + 1];
        System.arraycopy(s, 0, head, 0, s.length - k);
        head[head.length - 1] = -1;
        // DJL's PyTorch sum takes the flattened axes as one.
        return x.reshape(head).sum(new int[] {-1});
    }

    /**
     * {@code sum(x * mask) / max(sum(mask), 1)} over the last {@code k} axes: the sum over the
     * counted elements divided by the number of mask elements that count. With a mask of one
     * channel ({@code [N, 1, H, W]}) over values of several ({@code [N, 3, H, W]}) that is a
     * per-pixel count. A batch in which nothing counts gives 0, not NaN.
     *
     * @param x the values
     * @param mask broadcastable to {@code x} with as many axes, 1 where an element counts
     * @param k the axes of one batch's elements, examples included
     * @return the masked mean, one per leading index
     */
    public static NDArray of(NDArray x, NDArray mask, int k) {
        NDArray total = sumLast(x.mul(mask), k);
        // The count is a constant of the targets (never recorded), so maximum(Number) is safe here.
        NDArray count = sumLast(mask, k).maximum(1);
        return total.div(count);
    }
}
