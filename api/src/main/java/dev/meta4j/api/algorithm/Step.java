package dev.meta4j.api.algorithm;

import ai.djl.ndarray.NDManager;

/**
 * One training step as the runtime hands it to an algorithm.
 *
 * @param index the zero-based step
 * @param learningRate the optimizer's rate for this step, after the schedule
 * @param manager a manager for every array of the step; closed by the runtime afterwards
 */
public record Step(long index, double learningRate, NDManager manager) {}
