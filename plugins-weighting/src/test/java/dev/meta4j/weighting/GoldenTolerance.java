package dev.meta4j.weighting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Float64 comparisons with a relative tolerance (and a tiny absolute floor for zeros). */
final class GoldenTolerance {

    /** Relative tolerance against golden numbers; float64 agrees to ~1e-15, the brief allows 1e-6. */
    static final double RELATIVE = 1e-9;

    private static final double ABSOLUTE = 1e-15;

    private GoldenTolerance() {}

    static void assertClose(double expected, double actual, String what) {
        assertClose(expected, actual, RELATIVE, what);
    }

    static void assertClose(double expected, double actual, double relative, String what) {
        if (Double.isNaN(actual) || Math.abs(actual - expected) > relative * Math.abs(expected) + ABSOLUTE) {
            fail(what + ": expected " + expected + " but was " + actual + " (relative error "
                    + Math.abs(actual - expected) / Math.abs(expected) + ")");
        }
    }

    static void assertClose(double[] expected, double[] actual, String what) {
        assertClose(expected, actual, RELATIVE, what);
    }

    static void assertClose(double[] expected, double[] actual, double relative, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertClose(expected[i], actual[i], relative, what + "[" + i + "]");
        }
    }
}
