package dev.meta4j.api.autograd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Scalars for recorded arithmetic, as arrays whose memory PyTorch owns.
 *
 * <p>Why not {@code x.mul(0.01)}: DJL's PyTorch engine implements {@code add/sub/mul/div/pow/
 * maximum/minimum(Number)} by wrapping the number in a tensor over a Java direct buffer and
 * closing that tensor right after the operation. When the operation is recorded, autograd has
 * saved the scalar for the backward pass; if the garbage collector frees the buffer before that
 * backward pass, the gradient is computed from freed memory. Measured: one wrong MAML
 * meta-gradient (errors up to 0.4) at a random step in a few hundred, whenever a GC ran at the
 * wrong moment. Use {@code x.mul(Scalar.of(manager, 0.01, x.getDataType()))} inside a {@link
 * Autograd#record()} scope; the {@code Number} overloads stay fine on arrays that are not
 * recorded.
 */
public final class Scalar {

    private Scalar() {}

    /**
     * A 0-dimensional array holding a value, in memory that PyTorch allocated.
     *
     * @param manager where the array lives (the step's manager)
     * @param value the value; exact in float64
     * @param dataType the array's type
     * @return the scalar array
     */
    public static NDArray of(NDManager manager, double value, DataType dataType) {
        return torchOwned(manager.create(value), dataType);
    }

    /**
     * A 1-dimensional array of constants (per-task weights, offsets), in memory that PyTorch
     * allocated, for the same reason as {@link #of}.
     *
     * @param manager where the array lives (the step's manager)
     * @param values the values; exact in float64
     * @param dataType the array's type
     * @return the vector, of length {@code values.length}
     */
    public static NDArray vector(NDManager manager, double[] values, DataType dataType) {
        return torchOwned(manager.create(values), dataType);
    }

    private static NDArray torchOwned(NDArray javaBacked, DataType dataType) {
        try (NDArray wrapped = javaBacked) {
            // Converting to another type allocates in PyTorch. For the same type, to() would return
            // the Java buffer's own storage (even with copy = true), so duplicate() clones it.
            return wrapped.getDataType() == dataType ? wrapped.duplicate() : wrapped.toType(dataType, false);
        }
    }
}
