package dev.meta4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DropBlock: the shape of its masks, its scaling, its rate and schedule, its seeds, evaluation. */
class DropBlockTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 1);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static DropBlock layer(int size, double rate, long warmup) {
        return new DropBlock(size, rate, warmup, kit.random(), kit.autograd());
    }

    @Test
    void identityInEvaluationAndAtRateZero() {
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray x = m.randomNormal(new Shape(2, 3, 6, 6), DataType.FLOAT64);
            assertSame(x, layer(3, 0.5, 0).apply(x, Forward.evaluation(new Rng(1))));
            assertSame(x, layer(3, 0, 0).apply(x, Forward.training(new Rng(1))));
        }
    }

    @Test
    void masksAreWholeSquaresInsideTheMapAndKeepTheSum() {
        int size = 3;
        int side = 9;
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray ones = m.ones(new Shape(4, 5, side, side), DataType.FLOAT64);
            double[] y = layer(size, 0.4, 0).apply(ones, Forward.training(new Rng(7))).toDoubleArray();
            double total = Arrays.stream(y).sum();
            assertEquals(ones.size(), total, 1e-9, "kept values scaled by count / kept");
            double scale = Arrays.stream(y).max().orElseThrow();
            int zeros = 0;
            for (int map = 0; map < 20; map++) {
                boolean[] dropped = new boolean[side * side];
                for (int p = 0; p < side * side; p++) {
                    double v = y[map * side * side + p];
                    assertTrue(v == 0 || Math.abs(v - scale) < 1e-12, "0 or the common scale, got " + v);
                    dropped[p] = v == 0;
                    zeros += dropped[p] ? 1 : 0;
                }
                // The dropped set is the union of the all-dropped squares that fit in the map.
                boolean[] covered = new boolean[side * side];
                for (int i = 0; i + size <= side; i++) {
                    for (int j = 0; j + size <= side; j++) {
                        boolean all = true;
                        for (int a = 0; a < size && all; a++) {
                            for (int b = 0; b < size && all; b++) {
                                all = dropped[(i + a) * side + j + b];
                            }
                        }
                        for (int a = 0; a < size && all; a++) {
                            for (int b = 0; b < size; b++) {
                                covered[(i + a) * side + j + b] = true;
                            }
                        }
                    }
                }
                assertArrayEquals(dropped, covered, "map " + map + " is a union of " + size + "x" + size + " squares");
            }
            assertTrue(zeros > 0, "rate 0.4 drops something");
        }
    }

    @Test
    void dropsAboutTheRate() {
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray ones = m.ones(new Shape(8, 16, 20, 20), DataType.FLOAT64);
            double[] y = layer(3, 0.1, 0).apply(ones, Forward.training(new Rng(3))).toDoubleArray();
            double fraction = Arrays.stream(y).filter(v -> v == 0).count() / (double) y.length;
            // One square per seed covers `rate` of the map in expectation; overlaps make it a little less.
            assertTrue(fraction > 0.085 && fraction < 0.105, "dropped fraction " + fraction);
        }
    }

    @Test
    void sameGeneratorStateSameMaskOtherStateOtherMask() {
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray x = m.randomNormal(new Shape(2, 4, 8, 8), DataType.FLOAT64);
            DropBlock d = layer(2, 0.3, 0);
            double[] a = d.apply(x, Forward.training(new Rng(5))).toDoubleArray();
            double[] b = d.apply(x, Forward.training(new Rng(5))).toDoubleArray();
            double[] c = d.apply(x, Forward.training(new Rng(6))).toDoubleArray();
            assertArrayEquals(a, b, "the mask is a function of the generator's state");
            assertFalse(Arrays.equals(a, c));
            Rng rng = new Rng(5);
            long before = rng.state();
            d.apply(x, Forward.training(rng));
            assertFalse(before == rng.state(), "the mask advances the pass's generator");
        }
    }

    @Test
    void rateGrowsOverTheWarmUpAndIsFullWithoutAClock() {
        DropBlock d = layer(5, 0.1, 100);
        assertEquals(0.001, d.rateAt(new TrainingClock(0, 1000, 0)), 1e-15, "the reference's first call: rate / warmup");
        assertEquals(0.05, d.rateAt(new TrainingClock(49, 1000, 0)), 1e-15);
        assertEquals(0.1, d.rateAt(new TrainingClock(99, 1000, 0)), 1e-15);
        assertEquals(0.1, d.rateAt(new TrainingClock(500, 1000, 0)), 1e-15);
        assertEquals(0.1, d.rateAt(null), 0, "no clock: the final rate");
        assertEquals(0.1, layer(5, 0.1, 0).rateAt(new TrainingClock(0, 10, 0)), 0, "no warm-up");
    }

    @Test
    void aMapSmallerThanTheBlockIsRefused() {
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray x = m.ones(new Shape(1, 1, 4, 4), DataType.FLOAT64);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> layer(5, 0.1, 0).apply(x, Forward.training(new Rng(0))));
            assertTrue(e.getMessage().contains("4x4"), e.getMessage());
        }
    }

    @Test
    void taskBatchedInputsKeepTheirShape() {
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray x = m.ones(new Shape(2, 3, 4, 6, 6), DataType.FLOAT64);
            NDArray y = layer(2, 0.3, 0).apply(x, Forward.training(new Rng(2)));
            assertEquals(x.getShape(), y.getShape());
            assertEquals(x.size(), y.sum().getDouble(), 1e-9);
        }
    }
}
