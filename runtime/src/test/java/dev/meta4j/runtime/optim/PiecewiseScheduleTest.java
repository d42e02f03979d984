package dev.meta4j.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.meta4j.api.optim.TrainingClock;
import org.junit.jupiter.api.Test;

/** The piecewise schedule: MetaOptNet's LambdaLR epoch by epoch, steps, and its errors. */
class PiecewiseScheduleTest {

    private static PiecewiseSchedule of(String settings) {
        return new PiecewiseSchedule(ConfigFactory.parseString(settings));
    }

    /** MetaOptNet's train.py: lr_lambda(e) for its 1-based epoch e (the scheduler is stepped before each). */
    private static double officialLambda(int e) {
        return e < 20 ? 1.0 : e < 40 ? 0.06 : e < 50 ? 0.012 : 0.0024;
    }

    @Test
    void reproducesMetaOptNetsLambdaLrOverItsSixtyEpochs() {
        PiecewiseSchedule s = of("boundaries = [19, 39, 49], factors = [1.0, 0.06, 0.012, 0.0024], unit = epochs");
        long perEpoch = 1000;
        for (int epoch = 0; epoch < 60; epoch++) {
            for (long within : new long[] {0, perEpoch - 1}) {
                TrainingClock clock = new TrainingClock(epoch * perEpoch + within, 60 * perEpoch, perEpoch);
                assertEquals(officialLambda(epoch + 1), s.factor(clock), 0.0, "epoch " + epoch);
            }
        }
    }

    @Test
    void countsStepsByDefault() {
        PiecewiseSchedule s = of("boundaries = [3, 5], factors = [1.0, 0.5, 0.25], unit = steps");
        double[] expected = {1, 1, 1, 0.5, 0.5, 0.25, 0.25};
        for (int t = 0; t < expected.length; t++) {
            assertEquals(expected[t], s.factor(new TrainingClock(t, 10, 0)), 0.0, "step " + t);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> of("boundaries = [3], factors = [1.0, 0.5], unit = epochs").factor(new TrainingClock(0, 10, 0)));
        assertTrue(e.getMessage().contains("unit = steps"), e.getMessage());
    }

    @Test
    void badListsAreRefusedNamingTheKey() {
        IllegalArgumentException lengths = assertThrows(IllegalArgumentException.class,
                () -> of("boundaries = [3, 5], factors = [1.0, 0.5], unit = steps"));
        assertTrue(lengths.getMessage().contains("scheduler.factors"), lengths.getMessage());
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                () -> of("boundaries = [5, 5], factors = [1.0, 0.5, 0.1], unit = steps"));
        assertTrue(order.getMessage().contains("scheduler.boundaries"), order.getMessage());
    }
}
