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
}
