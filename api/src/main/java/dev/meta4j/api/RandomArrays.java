package dev.meta4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Random arrays drawn on the device, seeded from a plugin's {@link Rng}.
 *
 * <p>Why a service: a plugin that needs many random numbers per step (GradDrop draws one per
 * element of the shared representation) would otherwise draw them one by one in Java and copy
 * them over. Here each call takes exactly one {@link Rng#nextLong()} from the generator it is
 * given, seeds a fresh engine generator with it and fills the array on the device. So every draw
 * still goes through the experiment's seeded generator, the plugin's random state stays the
 * {@code Rng}'s single word (which checkpoints already save; restoring it replays the same
 * arrays), and no global engine seed is read or changed, so concurrent plugins do not disturb
 * each other.
 *
 * <p>The values depend only on that {@code Rng} state, the arguments and the kind of device (a
 * CPU and a CUDA generator give different streams from one seed); never on the engine's thread
 * count.
 */
public interface RandomArrays {

    /**
     * Independent uniform draws from {@code [low, high)}.
     *
     * @param rng the generator to take the seed from (advanced by one draw)
     * @param low the inclusive lower bound
     * @param high the upper bound, greater than {@code low}; excluded, except where rounding to
     *     {@code dataType} of a value just below it gives it (not for {@code [0, 1)})
     * @param shape the array's shape
     * @param dataType {@code float32} or {@code float64}
     * @param manager the manager (and device) of the result
     * @return the array
     */
    NDArray uniform(Rng rng, double low, double high, Shape shape, DataType dataType, NDManager manager);

    /**
     * Independent uniform draws from {@code [0, 1)}.
     *
     * @param rng the generator to take the seed from (advanced by one draw)
     * @param shape the array's shape
     * @param dataType {@code float32} or {@code float64}
     * @param manager the manager (and device) of the result
     * @return the array
     */
    default NDArray uniform(Rng rng, Shape shape, DataType dataType, NDManager manager) {
        return uniform(rng, 0, 1, shape, dataType, manager);
    }

    /**
     * Independent normal draws.
     *
     * @param rng the generator to take the seed from (advanced by one draw)
     * @param mean the mean
     * @param std the standard deviation, at least 0
     * @param shape the array's shape
     * @param dataType {@code float32} or {@code float64}
     * @param manager the manager (and device) of the result
     * @return the array
     */
    NDArray normal(Rng rng, double mean, double std, Shape shape, DataType dataType, NDManager manager);

    /**
     * Independent Bernoulli draws: 1 with probability {@code p}, else 0.
     *
     * @param rng the generator to take the seed from (advanced by one draw)
     * @param p the probability of a 1, in {@code [0, 1]}
     * @param shape the array's shape
     * @param dataType the type of the zeros and ones ({@code float32} or {@code float64})
     * @param manager the manager (and device) of the result
     * @return the array
     */
    NDArray bernoulli(Rng rng, double p, Shape shape, DataType dataType, NDManager manager);
}
