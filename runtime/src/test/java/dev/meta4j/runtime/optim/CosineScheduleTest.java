package dev.meta4j.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.meta4j.api.optim.TrainingClock;
import org.junit.jupiter.api.Test;

/** The cosine schedule per step, and per epoch as PyTorch's CosineAnnealingLR (MAML++'s code). */
class CosineScheduleTest {

    private static CosineSchedule of(String settings) {
        return new CosineSchedule(ConfigFactory.parseString(settings));
    }

    @Test
    void perEpochItIsPyTorchsCosineAnnealingLr() {
        // PyTorch 1.13: Adam(lr=1e-3), CosineAnnealingLR(T_max=100, eta_min=1e-5), stepped once an
        // epoch; its lr at epochs 0, 1, 37, 50 and 99.
        double[][] torch = {{0, 0.001}, {1, 0.0009997557473810372}, {37, 0.0007015882058642168},
            {50, 0.0005050000000000002}, {99, 1.024425261896286e-05}};
        CosineSchedule s = of("warmup-steps = 0, min-factor = 0.01, unit = epochs");
        long perEpoch = 500;
        for (double[] e : torch) {
            for (long within : new long[] {0, perEpoch - 1}) {
                TrainingClock clock = new TrainingClock((long) e[0] * perEpoch + within, 100 * perEpoch, perEpoch);
                assertEquals(e[1], 1e-3 * s.factor(clock), 1e-15, "epoch " + (long) e[0]);
            }
        }
    }

    @Test
    void perStepItReachesTheFloorAtTheLastStep() {
        CosineSchedule s = of("warmup-steps = 2, min-factor = 0.1, unit = steps");
        assertEquals(0.5, s.factor(new TrainingClock(0, 12, 0)), 0.0);
        assertEquals(1.0, s.factor(new TrainingClock(2, 12, 0)), 1e-15);
        assertEquals(0.55, s.factor(new TrainingClock(7, 12, 0)), 1e-15);
        assertEquals(0.1, s.factor(new TrainingClock(12, 12, 0)), 1e-15);
    }

    @Test
    void epochsNeedAnAlgorithmWithEpochsAndNoWarmUp() {
        IllegalStateException noEpochs = assertThrows(IllegalStateException.class,
                () -> of("warmup-steps = 0, min-factor = 0, unit = epochs").factor(new TrainingClock(0, 10, 0)));
        assertTrue(noEpochs.getMessage().contains("unit = steps"), noEpochs.getMessage());
        IllegalArgumentException warmup = assertThrows(IllegalArgumentException.class,
                () -> of("warmup-steps = 5, min-factor = 0, unit = epochs"));
        assertTrue(warmup.getMessage().contains("scheduler.warmup-steps"), warmup.getMessage());
    }
}
