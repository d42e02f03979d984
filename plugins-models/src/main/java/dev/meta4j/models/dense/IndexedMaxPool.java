package dev.meta4j.models.dense;

import dev.meta4j.models.Temporaries;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/**
 * 2×2 max-pooling with stride 2 that remembers where each maximum was, and the unpooling that puts
 * values back there: PyTorch's {@code MaxPool2d(2, 2, return_indices=True)} and {@code
 * MaxUnpool2d(2, 2)}, which SegNet's decoder uses.
 *
 * <p>DJL's engine has neither pooling indices nor unpooling, and a plugin cannot reach TorchScript
 * (that is the runtime's), so the indices are a one-hot mask: the window's four values are laid out
 * on a last axis ({@code [N, C, H/2, W/2, 4]}, row-major within the window), {@code argMax} picks
 * the first maximum (PyTorch's rule too: its kernel keeps the first of equal values, so ties,
 * common after a ReLU, go to the same place), and its one-hot, laid back out at full resolution, is
 * the mask. Unpooling repeats each value over its window and multiplies by the mask. Its gradient
 * is what {@code max_unpool2d}'s is: each window's gradient at the remembered position, gathered.
 * The pooled values themselves come from the engine's max-pooling, whose backward sends the
 * gradient to the same first maximum. The mask carries no gradient (it is piecewise constant).
 *
 * <p>Sizes must be even: SegNet's unpooling restores exactly twice the pooled size, so an odd side
 * (which PyTorch's pooling would floor) could not be restored; the models check this when they are
 * initialised.
 */
final class IndexedMaxPool {

    private static final Shape TWO = new Shape(2, 2);
    private static final Shape NONE = new Shape(0, 0);

    private IndexedMaxPool() {}

    /**
     * The pooled values and where they came from.
     *
     * @param values {@code [N, C, H/2, W/2]}
     * @param mask {@code [N, C, H, W]}: 1 at the position of each window's (first) maximum, 0
     *     elsewhere, in the input's type, without gradient
     */
    record Pooled(NDArray values, NDArray mask) {}

    /**
     * Pools a batch.
     *
     * @param x {@code [N, C, H, W]} with {@code H} and {@code W} even
     * @return the pooled values and the mask
     */
    static Pooled pool(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(2) % 2 != 0 || s.get(3) % 2 != 0) {
            throw new IllegalArgumentException("indexed 2x2 max-pooling needs [N, C, H, W] with even H and W, got " + s);
        }
        long n = s.get(0);
        long c = s.get(1);
        long h = s.get(2) / 2;
        long w = s.get(3) / 2;
        NDArray values = Pool.maxPool2d(x, TWO, TWO, NONE, false);
        // The window copy, the int64 indices and their one-hot are freed at once (Temporaries).
        NDArray mask = Temporaries.scoped(x.stopGradient(), d -> {
            NDArray windows = d.reshape(n, c, h, 2, w, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h, w, 4);
            return windows.argMax(4).oneHot(4).toType(d.getDataType(), false)
                    .reshape(n, c, h, w, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(s);
        });
        return new Pooled(values, mask);
    }

    /**
     * Puts values back at the remembered positions, zeros elsewhere.
     *
     * @param z {@code [N, C, H/2, W/2]}
     * @param mask the mask of the pooling whose positions to use, {@code [N, C, H, W]}
     * @return {@code [N, C, H, W]}, in {@code z}'s manager
     */
    static NDArray unpool(NDArray z, NDArray mask) {
        Shape s = z.getShape();
        Shape full = mask.getShape();
        if (s.dimension() != 4 || full.dimension() != 4 || s.get(0) != full.get(0) || s.get(1) != full.get(1)
                || 2 * s.get(2) != full.get(2) || 2 * s.get(3) != full.get(3)) {
            throw new IllegalArgumentException("unpooling " + s + " needs a mask of twice its size, got " + full);
        }
        long n = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        return Temporaries.scoped(z, in -> in.reshape(n, c, h, 1, w, 1).broadcast(new Shape(n, c, h, 2, w, 2))
                .reshape(full).mul(mask));
    }
}
