package dev.meta4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.RandomArrays;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Scalar;

/**
 * {@link RandomArrays} on libtorch: SplitMix64 evaluated element-wise on the device.
 *
 * <p>Each call takes one {@code seed = rng.nextLong()}, and element {@code i} (row-major) of the
 * array is made from the {@code i}-th word of the stream {@code new Rng(seed)}: the word is {@code
 * mix64(s + (i + 1) * 0x9e3779b97f4a7c15)} with {@code s = new Rng(seed).state()}, computed with
 * int64 tensor arithmetic (which wraps, like Java's). A uniform float64 draw is {@code (word >>> 11)
 * * 2^-53}, a uniform float32 draw {@code (word >>> 40) * 2^-24}, so a {@code [0, 1)} array equals
 * {@code nextDouble()} (or {@code nextFloat()}) of that Java stream exactly; other bounds add one
 * multiplication and one addition in the array's type. A Bernoulli draw is {@code nextDouble() <
 * p}. A normal draw is Box-Muller, {@code sqrt(-2 log(1 - u)) cos(2 pi v)} in float64 with {@code
 * u} from words {@code 0..n-1} and {@code v} from words {@code n..2n-1}, then rounded to the type.
 *
 * <p>Why not seed one of libtorch's generators: its CPU generator (mt19937) keeps only the low 32
 * bits of a seed, so per-step seeds would repeat streams within a long run (a birthday collision
 * is likely after some 65,000 calls), and its streams differ between CPU and CUDA. SplitMix64 uses
 * the whole 64-bit seed, gives the same integers on every device, and is exact integer arithmetic,
 * so the uniform and Bernoulli arrays do not depend on the thread count or on the CPU's vector
 * instructions. The normal arrays go through the engine's float64 {@code log}, {@code sqrt} and
 * {@code cos}, whose last bit may differ between vector instruction sets (as for any engine
 * transcendental); {@code TorchRandomTest} checks that they do not depend on the thread count.
 * No engine-global state is read or written, so concurrent callers (the toy study's threads) are
 * safe.
 */
public final class TorchRandom implements RandomArrays {

    private static final String CLASS_NAME = "Random";
    private static final String[] KINDS = {"uniform", "normal", "bernoulli"};

    private final TorchScriptModule module;

    /**
     * Compiles the module.
     *
     * @param manager a long-lived manager that owns the module
     */
    public TorchRandom(NDManager manager) {
        String[] methods = new String[KINDS.length * 2];
        int n = 0;
        for (String kind : KINDS) {
            methods[n++] = kind + "32";
            methods[n++] = kind + "64";
        }
        this.module = new TorchScriptModule(manager, CLASS_NAME, source(), methods);
    }

    @Override
    public NDArray uniform(Rng rng, double low, double high, Shape shape, DataType dataType, NDManager manager) {
        if (!(low < high) || !Double.isFinite(high - low)) {
            throw new IllegalArgumentException("uniform needs finite low < high, got [" + low + ", " + high + ")");
        }
        return draw("uniform", rng, new double[] {low, high}, shape, dataType, manager);
    }

    @Override
    public NDArray normal(Rng rng, double mean, double std, Shape shape, DataType dataType, NDManager manager) {
        if (!Double.isFinite(mean) || !(std >= 0) || !Double.isFinite(std)) {
            throw new IllegalArgumentException("normal needs a finite mean and a finite std >= 0, got " + mean
                    + " and " + std);
        }
        return draw("normal", rng, new double[] {mean, std}, shape, dataType, manager);
    }

    @Override
    public NDArray bernoulli(Rng rng, double p, Shape shape, DataType dataType, NDManager manager) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("bernoulli needs 0 <= p <= 1, got " + p);
        }
        return draw("bernoulli", rng, new double[] {p}, shape, dataType, manager);
    }

    private NDArray draw(String kind, Rng rng, double[] arguments, Shape shape, DataType dataType,
            NDManager manager) {
        String width = switch (dataType) {
            case FLOAT32 -> "32";
            case FLOAT64 -> "64";
            default -> throw new IllegalArgumentException("random arrays are float32 or float64, not " + dataType);
        };
        long[] meta = new long[shape.dimension() + 1];
        meta[0] = new Rng(rng.nextLong()).state();
        for (int d = 0; d < shape.dimension(); d++) {
            if (shape.get(d) < 0) {
                throw new IllegalArgumentException("a random array needs a known shape, got " + shape);
            }
            meta[d + 1] = shape.get(d);
        }
        // Both arguments in torch-owned memory: an array over a Java buffer aliases memory the GC may free.
        try (NDArray wrapped = manager.create(meta);
                NDArray m = wrapped.duplicate();
                NDArray a = Scalar.vector(manager, arguments, DataType.FLOAT64)) {
            m.setName(null);
            a.setName(null);
            return module.call(kind + width, new NDList(m, a)).singletonOrThrow();
        }
    }

    private static String source() {
        long golden = 0x9e3779b97f4a7c15L;
        long c1 = 0xbf58476d1ce4e5b9L;
        long c2 = 0x94d049bb133111ebL;
        String self = "(self: __torch__." + CLASS_NAME;
        StringBuilder sb = new StringBuilder();
        sb.append("class ").append(CLASS_NAME).append("(Module):\n")
                .append("  __parameters__ = []\n  __buffers__ = []\n  training : bool\n");
        // words k .. k+n-1 of the stream whose state is m[0]. On int64, * and + wrap as in Java and
        // >> is arithmetic, so each logical shift (>>>) masks off the copied sign bits.
        sb.append("  def words").append(self).append(", m: Tensor, k: int, n: int) -> Tensor:\n")
                .append("    z = torch.arange(k + 1, k + n + 1, dtype=4, device=m.device) * ").append(golden)
                .append(" + m[0]\n")
                .append("    z = (z ^ ((z >> 30) & ").append((1L << 34) - 1).append(")) * ").append(c1).append("\n")
                .append("    z = (z ^ ((z >> 27) & ").append((1L << 37) - 1).append(")) * ").append(c2).append("\n")
                .append("    return z ^ ((z >> 31) & ").append((1L << 33) - 1).append(")\n");
        // the top `bits` bits of each word as a multiple of 2^-bits in [0, 1), exactly
        sb.append("  def unit").append(self).append(", w: Tensor, bits: int, dtype: int) -> Tensor:\n")
                .append("    top = (w >> (64 - bits)) & ((1 << bits) - 1)\n")
                .append("    return top.to(dtype) * (1.0 / float(1 << bits))\n");
        sb.append("  def dims").append(self).append(", m: Tensor) -> List[int]:\n")
                .append("    s: List[int] = m[1:].tolist()\n")
                .append("    return s\n");
        sb.append("  def count").append(self).append(", s: List[int]) -> int:\n")
                .append("    n = 1\n    for d in s:\n      n = n * d\n    return n\n");
        for (String width : new String[] {"32", "64"}) {
            // ScalarType codes: 4 = int64, 6 = float32, 7 = float64
            String dtype = width.equals("32") ? "6" : "7";
            String bits = width.equals("32") ? "24" : "53";
            String head = self + ", m: Tensor, a: Tensor) -> Tensor:\n"
                    + "    s = self.dims(m)\n    n = self.count(s)\n";
            sb.append("  def uniform").append(width).append(head)
                    .append("    u = self.unit(self.words(m, 0, n), ").append(bits).append(", ").append(dtype)
                    .append(")\n")
                    .append("    if float(a[0]) != 0.0 or float(a[1]) != 1.0:\n")
                    .append("      b = a.to(").append(dtype).append(")\n")
                    .append("      u = u * (b[1] - b[0]) + b[0]\n")
                    .append("    return u.reshape(s)\n");
            sb.append("  def bernoulli").append(width).append(head)
                    .append("    u = self.unit(self.words(m, 0, n), 53, 7)\n")
                    .append("    return (u < float(a[0])).to(").append(dtype).append(").reshape(s)\n");
            sb.append("  def normal").append(width).append(head)
                    .append("    u = self.unit(self.words(m, 0, n), 53, 7)\n")
                    .append("    v = self.unit(self.words(m, n, n), 53, 7)\n")
                    .append("    z = torch.sqrt(torch.log(1.0 - u) * -2.0) * torch.cos(v * 6.283185307179586)\n")
                    .append("    return (z * float(a[1]) + float(a[0])).to(").append(dtype).append(").reshape(s)\n");
        }
        return sb.toString();
    }
}
