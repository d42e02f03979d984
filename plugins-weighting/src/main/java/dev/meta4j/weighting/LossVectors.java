package dev.meta4j.weighting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.autograd.Scalar;

/**
 * Moves task-length vectors between the engine and Java: reads the values of the recorded loss
 * vector, and creates constant per-task vectors (weights, offsets) in a step's manager.
 */
final class LossVectors {

    private LossVectors() {}

    /**
     * The values of the task losses, detached, as doubles.
     *
     * @param losses a {@code [K]} vector, recorded or not
     * @return its {@code K} values
     * @throws IllegalArgumentException if it is not a vector
     */
    static double[] values(NDArray losses) {
        if (losses.getShape().dimension() != 1) {
            throw new IllegalArgumentException("expected the task losses as a [K] vector, got shape " + losses.getShape());
        }
        NDArray detached = losses.stopGradient();
        NDArray wide = detached.toType(DataType.FLOAT64, false);
        double[] values = wide.toDoubleArray();
        if (wide != detached) {
            wide.close();
        }
        detached.close();
        return values;
    }

    /**
     * A constant vector (no gradient) in a step's manager.
     *
     * @param manager the step's manager
     * @param values the values
     * @param dataType the type of the losses it is combined with
     * @return the array
     */
    static NDArray constant(NDManager manager, double[] values, DataType dataType) {
        return Scalar.vector(manager, values, dataType);
    }

    /**
     * Checks that a step has as many losses as the method was set up for.
     *
     * @param method the method's name, for the message
     * @param expected the task count seen so far or configured
     * @param actual this step's task count
     * @throws IllegalArgumentException if they differ
     */
    static void checkTaskCount(String method, int expected, int actual) {
        if (expected != actual) {
            throw new IllegalArgumentException(
                    method + " was set up for " + expected + " tasks but this step has " + actual + " losses");
        }
    }
}
