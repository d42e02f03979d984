package dev.meta4j.api.model;

import ai.djl.ndarray.NDArray;

/**
 * Two-dimensional convolution through a kernel that computes it correctly. Backbones convolve
 * through this, never through the engine's operator directly.
 *
 * <p>Why it is a service and not DJL's {@code Conv2d.conv2d}: on CPU, libtorch 2.5–2.7 run float32
 * convolutions on channels-first arrays through oneDNN kernels whose input gradient is wrong
 * (12–33 % relative error) whenever the output channels are not a multiple of the vector block,
 * and NaN when the uninitialised weight padding they read holds a NaN bit pattern. DESIGN.md
 * ("Autograd through DJL") has the measurements.
 */
public interface Convolution {

    /**
     * {@code input ⋆ weight + bias} with the same stride and zero padding in both spatial
     * dimensions, no dilation, one group; recorded for autograd like any other operator.
     *
     * @param input {@code [N, C, H, W]}
     * @param weight {@code [O, C, kH, kW]}
     * @param bias {@code [O]}, or {@code null} for none
     * @param stride the step in both dimensions, at least 1
     * @param padding zeros added on each side of both dimensions, at least 0
     * @return {@code [N, O, H', W']}, in the input's manager (its memory may be channels-last)
     */
    NDArray conv2d(NDArray input, NDArray weight, NDArray bias, int stride, int padding);

    /**
     * A grouped convolution: the input's channels and the output's fall into {@code groups} equal
     * blocks, and output block {@code g} sees input block {@code g} alone, as {@code torch.conv2d}'s
     * {@code groups}. A task-batched backbone folds its tasks into the channels, {@code [N, T·C, H,
     * W]} with weights {@code [T·O, C, kH, kW]}, and convolves every task with its own filters in one
     * call (MAML's meta-batch as one graph).
     *
     * <p>The default splits the blocks and convolves them one by one through {@link #conv2d(NDArray,
     * NDArray, NDArray, int, int)}, so an implementation that predates groups stays correct; an
     * engine's implementation overrides it with its native grouped kernel.
     *
     * @param input {@code [N, G·C, H, W]}
     * @param weight {@code [G·O, C, kH, kW]}
     * @param bias {@code [G·O]}, or {@code null} for none
     * @param stride the step in both dimensions, at least 1
     * @param padding zeros added on each side of both dimensions, at least 0
     * @param groups {@code G}, at least 1, dividing the input's and the weight's channel counts
     * @return {@code [N, G·O, H', W']}, in the input's manager
     * @throws IllegalArgumentException if {@code groups} does not divide the channels
     */
    default NDArray conv2d(NDArray input, NDArray weight, NDArray bias, int stride, int padding, int groups) {
        if (groups == 1) {
            return conv2d(input, weight, bias, stride, padding);
        }
        checkGroups(input, weight, groups);
        ai.djl.ndarray.NDList xs = input.split(groups, 1);
        ai.djl.ndarray.NDList ws = weight.split(groups, 0);
        ai.djl.ndarray.NDList bs = bias == null ? null : bias.split(groups, 0);
        ai.djl.ndarray.NDList out = new ai.djl.ndarray.NDList(groups);
        for (int g = 0; g < groups; g++) {
            out.add(conv2d(xs.get(g), ws.get(g), bs == null ? null : bs.get(g), stride, padding));
        }
        return ai.djl.ndarray.NDArrays.concat(out, 1);
    }

    private static void checkGroups(NDArray input, NDArray weight, int groups) {
        long in = input.getShape().get(1);
        long out = weight.getShape().get(0);
        if (groups < 1 || in % groups != 0 || out % groups != 0 || in / groups != weight.getShape().get(1)) {
            throw new IllegalArgumentException(groups + " groups do not fit an input of shape " + input.getShape()
                    + " and a weight of shape " + weight.getShape());
        }
    }
}
