package dev.meta4j.support.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metrics;
import org.junit.jupiter.api.Test;

class MeanCi95Test {

    @Test
    void meanAndHalfWidthByHand() {
        // values 1, 2, 3, 4: mean 2.5, sample variance 5/3, half-width 1.96 sqrt(5/3) / 2
        MeanCi95 m = MeanCi95.of(new double[] {1, 2, 3, 4});
        assertEquals(2.5, m.mean(), 0);
        assertEquals(1.96 * Math.sqrt(5.0 / 3.0) / 2, m.halfWidth(), 1e-15);
        assertEquals(4, m.count());
    }

    @Test
    void theRunningFormAgreesWithTheTwoPassForm() {
        double[] v = {0.2, 0.9, 0.4, 0.4, 1.0, 0.0, 0.65};
        MeanCi95 two = MeanCi95.of(v);
        MeanCi95 running = new MeanCi95.Running().addAll(v).result();
        assertEquals(two.mean(), running.mean(), 1e-15);
        assertEquals(two.halfWidth(), running.halfWidth(), 1e-15);
        assertEquals(7, running.count());
        assertThrows(IllegalArgumentException.class, () -> new MeanCi95.Running().result());
    }

    @Test
    void oneValueHasNoWidthAndNoneIsAnError() {
        assertEquals(0, MeanCi95.of(new double[] {0.7}).halfWidth());
        assertThrows(IllegalArgumentException.class, () -> MeanCi95.of(new double[0]));
    }

    @Test
    void reportsBothMetricsWithTheDirection() {
        Metrics m = MeanCi95.of(new double[] {0.5, 0.7}).putInto(Metrics.builder(), "accuracy",
                Direction.HIGHER_IS_BETTER).build();
        assertEquals(0.6, m.get("accuracy").getAsDouble(), 1e-15);
        assertEquals(1.96 * Math.sqrt(0.02) / Math.sqrt(2), m.get("accuracy-ci95").getAsDouble(), 1e-15);
        assertEquals(Direction.HIGHER_IS_BETTER, m.direction("accuracy").orElseThrow());
    }
}
