package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/**
 * One native scratch buffer that a dataset fills for every batch and copies into torch-owned
 * arrays, as {@code EpisodicImages} does: a fresh Java array or direct buffer per batch is only
 * freed by the garbage collector, so evaluation memory would grow with the number of batches.
 * Not thread-safe: a dataset builds one batch at a time.
 */
final class BatchBuffer {

    /** Where a batch writes numbers, in the array's element type. */
    interface Values {
        /**
         * Writes one element.
         *
         * @param i the flat index
         * @param v the value
         */
        void set(int i, double v);
    }

    private ByteBuffer scratch = ByteBuffer.allocateDirect(0);
    private long used;

    /** Starts a batch: every region handed out before is given back. */
    void reset() {
        used = 0;
    }

    /**
     * Reserves the bytes of the batch's regions at once, so that the buffer does not move while
     * they are filled.
     *
     * @param bytes the total bytes the batch will take
     */
    void reserve(long bytes) {
        if (scratch.capacity() < bytes) {
            scratch = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
        }
        used = 0;
    }

    /**
     * The next region of the reserved bytes.
     *
     * @param bytes its length
     * @return a view of native order sharing the scratch memory
     */
    ByteBuffer region(long bytes) {
        if (used + bytes > scratch.capacity()) {
            throw new IllegalStateException("batch regions exceed the reserved " + scratch.capacity() + " bytes");
        }
        ByteBuffer b = scratch.duplicate();
        b.limit(Math.toIntExact(used + bytes)).position(Math.toIntExact(used));
        used += bytes;
        return b.slice().order(ByteOrder.nativeOrder());
    }

    /**
     * A writer of floating-point values into a region.
     *
     * @param region the region
     * @param type float32 or float64
     * @return the writer
     */
    static Values floats(ByteBuffer region, DataType type) {
        if (type == DataType.FLOAT64) {
            DoubleBuffer d = region.asDoubleBuffer();
            return d::put;
        }
        FloatBuffer f = region.asFloatBuffer();
        return (i, v) -> f.put(i, (float) v);
    }

    /**
     * A writer of int64 values into a region.
     *
     * @param region the region
     * @return the writer
     */
    static Values longs(ByteBuffer region) {
        LongBuffer l = region.asLongBuffer();
        return (i, v) -> l.put(i, (long) v);
    }

    /**
     * Bytes per element of a floating-point type.
     *
     * @param type float32 or float64
     * @return 4 or 8
     */
    static int bytes(DataType type) {
        return type == DataType.FLOAT64 ? 8 : 4;
    }

    /**
     * A torch-owned copy of a region; the engine reads the direct buffer in place.
     *
     * @param manager where the array is created
     * @param region the filled region
     * @param shape its shape
     * @param type its element type
     * @return the array, independent of the scratch buffer
     */
    static NDArray owned(NDManager manager, ByteBuffer region, Shape shape, DataType type) {
        try (NDArray wrapped = manager.create(region, shape, type)) {
            // duplicate(), not toType(type, true): a same-type toType keeps the storage (DESIGN.md).
            return wrapped.duplicate();
        }
    }
}
