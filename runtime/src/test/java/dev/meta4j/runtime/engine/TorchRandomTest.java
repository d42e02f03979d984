package dev.meta4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.RandomArrays;
import dev.meta4j.api.Rng;
import java.util.Arrays;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's random arrays: the values are exactly the Java {@link Rng} stream of the seed each
 * call takes (so an independent computation fixes every bit of the uniform and Bernoulli arrays),
 * they depend on the {@code Rng} state alone (not on the thread count), a saved and restored state
 * replays them, and large draws have the distributions' moments.
 */
class TorchRandomTest {

    private static NDManager manager;
    private static RandomArrays random;

    @BeforeAll
    static void open() {
        TorchEngine.setThreads(1);
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        random = new TorchRandom(manager);
    }

    @AfterAll
    static void close() {
        TorchEngine.setThreads(1);
        manager.close();
    }

    private static double[] values(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    /** Every kind and type, with the arguments the tests use. */
    private static final String[] KINDS = {"uniform", "uniform(-3, 5)", "normal(0, 1)", "normal(2, 0.5)", "bernoulli(0.3)"};

    private static NDArray draw(String kind, Rng rng, Shape shape, DataType type, NDManager m) {
        return switch (kind) {
            case "uniform" -> random.uniform(rng, shape, type, m);
            case "uniform(-3, 5)" -> random.uniform(rng, -3, 5, shape, type, m);
            case "normal(0, 1)" -> random.normal(rng, 0, 1, shape, type, m);
            case "normal(2, 0.5)" -> random.normal(rng, 2, 0.5, shape, type, m);
            case "bernoulli(0.3)" -> random.bernoulli(rng, 0.3, shape, type, m);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @Test
    void uniformAndBernoulliAreTheJavaStreamOfTheSeedTheCallTakes() {
        Shape shape = new Shape(3, 7, 11);
        int n = (int) shape.size();
        try (NDManager m = manager.newSubManager()) {
            Rng rng = new Rng(42);
            Rng mirror = new Rng(42);
            double[] u64 = values(random.uniform(rng, shape, DataType.FLOAT64, m));
            double[] u32 = values(random.uniform(rng, shape, DataType.FLOAT32, m));
            double[] b64 = values(random.bernoulli(rng, 0.3, shape, DataType.FLOAT64, m));
            double[] b32 = values(random.bernoulli(rng, 0.7, shape, DataType.FLOAT32, m));
            Rng s1 = new Rng(mirror.nextLong());
            Rng s2 = new Rng(mirror.nextLong());
            Rng s3 = new Rng(mirror.nextLong());
            Rng s4 = new Rng(mirror.nextLong());
            double[] e64 = new double[n];
            double[] e32 = new double[n];
            double[] f64 = new double[n];
            double[] f32 = new double[n];
            for (int i = 0; i < n; i++) {
                e64[i] = s1.nextDouble();
                e32[i] = s2.nextFloat();
                f64[i] = s3.nextDouble() < 0.3 ? 1 : 0;
                f32[i] = s4.nextDouble() < 0.7 ? 1 : 0;
            }
            assertArrayEquals(e64, u64, 0, "float64 uniform = nextDouble() of the call's stream, bit for bit");
            assertArrayEquals(e32, u32, 0, "float32 uniform = nextFloat() of the call's stream, bit for bit");
            assertArrayEquals(f64, b64, 0, "bernoulli = nextDouble() < p");
            assertArrayEquals(f32, b32, 0, "bernoulli = nextDouble() < p");
            assertEquals(mirror.state(), rng.state(), "each call takes exactly one draw of the plugin's generator");
        }
    }

    @Test
    void arraysHaveTheRequestedShapeTypeAndManager() {
        try (NDManager m = manager.newSubManager()) {
            for (String kind : KINDS) {
                for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                    for (Shape shape : new Shape[] {new Shape(), new Shape(0), new Shape(5), new Shape(2, 3, 4)}) {
                        NDArray a = draw(kind, new Rng(1), shape, type, m);
                        assertEquals(shape, a.getShape(), kind);
                        assertEquals(type, a.getDataType(), kind);
                        assertEquals(m, a.getManager(), "the result belongs to the caller's manager");
                        assertFalse(a.hasGradient());
                    }
                }
            }
        }
    }

    @Test
    void theSameStateGivesTheSameArraysAndARestoredStateReplaysThem() {
        Shape shape = new Shape(64, 33);
        try (NDManager m = manager.newSubManager()) {
            for (String kind : KINDS) {
                for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                    double[] a = values(draw(kind, new Rng(7), shape, type, m));
                    double[] b = values(draw(kind, new Rng(7), shape, type, m));
                    assertArrayEquals(a, b, 0, kind + " " + type);

                    // draw, save the state, draw, restore, draw: the last two are equal, the first differs
                    Rng rng = new Rng(99);
                    double[] first = values(draw(kind, rng, shape, type, m));
                    long saved = rng.state();
                    double[] second = values(draw(kind, rng, shape, type, m));
                    rng.restore(saved);
                    double[] replay = values(draw(kind, rng, shape, type, m));
                    assertArrayEquals(second, replay, 0, kind + " " + type + ": a restored state replays the draw");
                    assertFalse(Arrays.equals(first, second), kind + " " + type + ": the next call draws anew");
                }
            }
        }
    }

    @Test
    void valuesDoNotDependOnTheThreadCount() {
        // 262,144 elements: eight times libtorch's grain (32,768), so every element-wise kernel splits
        // the work between the threads, at boundaries that move with the thread count
        Shape shape = new Shape(512, 512);
        try (NDManager m = manager.newSubManager()) {
            for (String kind : KINDS) {
                for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                    BiFunction<Integer, Long, double[]> at = (threads, seed) -> {
                        TorchEngine.setThreads(threads);
                        try (NDManager s = m.newSubManager()) {
                            return values(draw(kind, new Rng(seed), shape, type, s));
                        }
                    };
                    for (long seed : new long[] {3, -11, 1L << 40}) {
                        double[] one = at.apply(1, seed);
                        double[] two = at.apply(2, seed);
                        assertArrayEquals(one, two, 0, kind + " " + type + " seed " + seed + ": 1 thread vs 2");
                    }
                }
            }
        } finally {
            TorchEngine.setThreads(1);
        }
    }

    /** Mean, variance, third and fourth central moments of 1M draws, each within 6 standard errors. */
    @Test
    void largeDrawsHaveTheDistributionsMoments() {
        int n = 1 << 20;
        try (NDManager m = manager.newSubManager()) {
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                Rng rng = new Rng(2024);
                // uniform on [-3, 5): mean 1, variance 64/12, skewness 0, fourth moment 4^4/5
                double[] u = values(random.uniform(rng, -3, 5, new Shape(n), type, m));
                checkMoments("uniform(-3, 5) " + type, u, 1, 64.0 / 12, 0, 256.0 / 5, new double[] {1, 64.0 / 12, 0,
                        256.0 / 5, 0, 4096.0 / 7, 0, 65536.0 / 9});
                for (double x : u) {
                    assertTrue(x >= -3 && x < 5, "uniform value outside [-3, 5): " + x);
                }
                // normal(2, 0.5): mean 2, variance 0.25, third central moment 0, fourth 3 sigma^4
                double s2 = 0.25;
                double[] z = values(random.normal(rng, 2, 0.5, new Shape(n), type, m));
                checkMoments("normal(2, 0.5) " + type, z, 2, s2, 0, 3 * s2 * s2,
                        new double[] {2, s2, 0, 3 * s2 * s2, 0, 15 * s2 * s2 * s2, 0, 105 * s2 * s2 * s2 * s2});
                // bernoulli(0.3): mean 0.3, variance 0.21
                double[] b = values(random.bernoulli(rng, 0.3, new Shape(n), type, m));
                double p = 0.3;
                double q = 1 - p;
                checkMoments("bernoulli(0.3) " + type, b, p, p * q, p * q * (q - p), p * q * (1 - 3 * p * q),
                        centralBernoulli(p));
                for (double x : b) {
                    assertTrue(x == 0 || x == 1, "bernoulli value " + x);
                }
            }
            // the edge probabilities are exact
            assertTrue(Arrays.stream(values(random.bernoulli(new Rng(1), 0, new Shape(1000), DataType.FLOAT32, m)))
                    .allMatch(x -> x == 0));
            assertTrue(Arrays.stream(values(random.bernoulli(new Rng(1), 1, new Shape(1000), DataType.FLOAT32, m)))
                    .allMatch(x -> x == 1));
        }
    }

    /** Central moments 1..8 of Bernoulli(p) (index 0 is the mean). */
    private static double[] centralBernoulli(double p) {
        double q = 1 - p;
        double[] c = new double[8];
        c[0] = p;
        for (int k = 2; k <= 8; k++) {
            c[k - 1] = q * Math.pow(-p, k) + p * Math.pow(q, k);
        }
        return c;
    }

    /**
     * Compares the sample mean and central moments 2..4 with the distribution's; the standard error
     * of the k-th sample central moment is about {@code sqrt((mu_2k - mu_k^2) / n)}, from the true
     * central moments {@code mu} (index 0: the mean, index k-1: mu_k, up to mu_8).
     */
    private static void checkMoments(String what, double[] x, double mean, double m2, double m3, double m4, double[] mu) {
        int n = x.length;
        double sampleMean = 0;
        for (double v : x) {
            sampleMean += v;
        }
        sampleMean /= n;
        double[] c = new double[5];
        for (double v : x) {
            double d = v - sampleMean;
            double p = d * d;
            c[2] += p;
            c[3] += p * d;
            c[4] += p * d * d;
        }
        double[] want = {0, mean, m2, m3, m4};
        double[] got = {0, sampleMean, c[2] / n, c[3] / n, c[4] / n};
        for (int k = 1; k <= 4; k++) {
            double muK = k == 1 ? 0 : mu[k - 1];
            double mu2K = mu[2 * k - 1];
            double se = Math.sqrt(Math.max(mu2K - muK * muK, 1e-300) / n);
            double err = Math.abs(got[k] - want[k]);
            assertTrue(err < 6 * se, what + ": moment " + k + " is " + got[k] + ", expected " + want[k]
                    + " (standard error " + se + ")");
        }
    }

    @Test
    void badArgumentsAreRejected() {
        try (NDManager m = manager.newSubManager()) {
            Shape s = new Shape(2);
            assertThrows(IllegalArgumentException.class, () -> random.uniform(new Rng(0), 1, 1, s, DataType.FLOAT32, m));
            assertThrows(IllegalArgumentException.class, () -> random.normal(new Rng(0), 0, -1, s, DataType.FLOAT32, m));
            assertThrows(IllegalArgumentException.class, () -> random.bernoulli(new Rng(0), 1.5, s, DataType.FLOAT32, m));
            assertThrows(IllegalArgumentException.class, () -> random.uniform(new Rng(0), s, DataType.INT32, m));
        }
    }
}
