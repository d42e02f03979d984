package dev.meta4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import dev.meta4j.api.RandomArrays;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.optim.TrainingClock;

/**
 * DropBlock (Ghiasi, Lin &amp; Le 2018) as MetaOptNet's and RFS's ResNet-12 apply it: in a
 * training pass, every {@code size × size} square of a feature map whose top-left corner is a
 * seed is zeroed, in every channel and image independently, and the rest is scaled so that the
 * batch's sum of the mask is kept ({@code x · mask · count / kept}). The identity in evaluation.
 *
 * <p><b>Seeds.</b> Bernoulli({@code γ}) draws on the {@code (H - size + 1) × (W - size + 1)}
 * positions where a whole square fits, so that no square sticks out of the map, with
 * {@code γ = rate / size² · H·W / ((H - size + 1)(W - size + 1))}: the expected fraction of seeds
 * over the map is then {@code rate / size²}, one square per seed, so about {@code rate} of the map
 * is dropped (less where squares overlap). The squares are found as a max-pool of the zero-padded
 * seeds, on the device, without the reference's {@code nonzero} and scatter.
 *
 * <p><b>Schedule.</b> The rate grows linearly from {@code rate / warmup} at the first step to
 * {@code rate} at step {@code warmup - 1} and stays there; {@code warmup = 0}, or a pass that
 * does not carry a {@link TrainingClock} ({@link Forward#clock()} null), uses {@code rate}.
 *
 * <p><b>Deviations from the code of MetaOptNet ({@code models/dropblock.py}, {@code
 * ResNet12_embedding.py}) and RFS ({@code models/resnet.py}), which are the same.</b>
 * <ul>
 *   <li>Their schedule counts forward calls of each block in a plain Python attribute: {@code
 *       keep = max(1 - rate · calls / (20·2000), 1 - rate)}, and a call is counted in evaluation
 *       too. MetaOptNet makes two calls a training step (support and query) and two per
 *       validation episode (2,000 a validation), so the ramp ends after about 6,700 training
 *       steps on CIFAR-FS/FC100. Under {@code nn.DataParallel} with more than one GPU (their
 *       mini- and tiered-ImageNet runs; RFS whenever it sees several GPUs) the count is kept on
 *       each step's throw-away replica ({@code Module._replicate_for_data_parallel} copies the
 *       module's {@code __dict__}), so it is 1 in every call and the rate stays at {@code rate /
 *       40000}: DropBlock is in effect off there. The count is not checkpointed either. Here the
 *       schedule follows the training step, which a checkpoint restores.</li>
 *   <li>A batch whose mask is all zeros gives zeros here; the reference divides by zero (NaN).</li>
 *   <li>Non-square maps use {@code H} and {@code W} each; the reference uses the height for both.</li>
 *   <li>A map smaller than the block is refused with a message; the reference divides by zero
 *       when computing {@code γ}, in evaluation too.</li>
 * </ul>
 */
final class DropBlock {

    private final int size;
    private final double rate;
    private final long warmupSteps;
    private final RandomArrays random;
    private final Autograd autograd;

    /**
     * A DropBlock layer.
     *
     * @param size the side of the dropped squares, at least 1
     * @param rate the fraction to drop once the schedule has reached it, in {@code [0, 1)}
     * @param warmupSteps the steps over which the rate grows to {@code rate}, 0 for none
     * @param random the seeded random arrays (seeds drawn from each pass's generator)
     * @param autograd pauses recording while the mask is made
     */
    DropBlock(int size, double rate, long warmupSteps, RandomArrays random, Autograd autograd) {
        if (size < 1 || !(rate >= 0 && rate < 1) || warmupSteps < 0) {
            throw new IllegalArgumentException("DropBlock needs size >= 1, 0 <= rate < 1 and warm-up >= 0, got "
                    + size + ", " + rate + " and " + warmupSteps);
        }
        this.size = size;
        this.rate = rate;
        this.warmupSteps = warmupSteps;
        this.random = random;
        this.autograd = autograd;
    }

    /**
     * The side of the dropped squares.
     *
     * @return the block size
     */
    int size() {
        return size;
    }

    /**
     * The drop rate at a point of training.
     *
     * @param clock the clock, or null when unknown (the final rate)
     * @return the rate
     */
    double rateAt(TrainingClock clock) {
        if (clock == null || warmupSteps == 0) {
            return rate;
        }
        return rate * Math.min(1.0, (clock.step() + 1.0) / warmupSteps);
    }

    /**
     * Applies the layer.
     *
     * @param x {@code [N, C, H, W]}, or {@code [T, N, C, H, W]} (one mask normalisation over all
     *     tasks, as the reference normalises over its whole meta-batch)
     * @param forward the pass: training or not, its generator and clock
     * @return {@code x} in evaluation, otherwise {@code x} with dropped squares, rescaled
     */
    NDArray apply(NDArray x, Forward forward) {
        double now = rateAt(forward.clock());
        if (!forward.training() || now == 0) {
            return x;
        }
        Shape s = x.getShape();
        int rank = s.dimension();
        long h = s.get(rank - 2);
        long w = s.get(rank - 1);
        if (h < size || w < size) {
            throw new IllegalArgumentException("DropBlock of size " + size + " on a " + h + "x" + w
                    + " feature map: the block must fit in the map (a smaller dropblock-size, or larger images)");
        }
        long m = s.size() / (s.get(rank - 3) * h * w);
        long c = s.get(rank - 3);
        double gamma = Math.min(1.0, now / ((double) size * size) * (h * w) / ((double) (h - size + 1) * (w - size + 1)));
        NDManager mm = x.getManager();
        NDArray scaledMask;
        try (Autograd.Scope off = autograd.pause()) {
            NDArray seeds = random.bernoulli(forward.rng(), gamma, new Shape(m, c, h - size + 1, w - size + 1),
                    x.getDataType(), mm);
            // Position p is dropped if a seed lies in [p - size + 1, p] in both dimensions: a
            // size x size max-pool (stride 1) over the seeds padded with size - 1 zeros all round.
            NDArray dropped = size == 1 ? seeds
                    : Pool.maxPool2d(seeds.pad(new Shape(size - 1, size - 1, size - 1, size - 1), 0),
                            new Shape(size, size), new Shape(1, 1), new Shape(0, 0), false);
            NDArray keep = Scalar.of(mm, 1, x.getDataType()).sub(dropped);
            NDArray kept = keep.sum().maximum(Scalar.of(mm, 1, x.getDataType()));
            scaledMask = keep.mul(Scalar.of(mm, keep.size(), x.getDataType()).div(kept)).reshape(s);
        }
        return x.mul(scaledMask);
    }
}
