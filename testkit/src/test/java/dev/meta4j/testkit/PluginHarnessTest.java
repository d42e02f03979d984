package dev.meta4j.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.optim.OptimizerFactory;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.config.ConfigError;
import org.junit.jupiter.api.Test;

/** The harness gives a plugin what a run gives it, and rejects what a run rejects, with the run's words. */
class PluginHarnessTest {

    @Test
    void settingsAreTheDefaultsUnderTheOverrides() {
        try (PluginHandle<WeightingMethod> h = PluginHarness.of(WeightingFactory.class, "kit-probe").with("scale", 2.5).create()) {
            ScaledSum probe = assertInstanceOf(ScaledSum.class, h.plugin());
            assertEquals(2.5, probe.config.getDouble("scale"));
            assertEquals("sum", h.config().getString("mode"), "a default fills in what the test left out");
            assertFalse(h.config().hasPath("type"), "the section's type is not a setting");
            assertFalse(h.config().hasPath("tasks"), "a null default is absent to hasPath");
        }
        try (PluginHandle<WeightingMethod> h = PluginHarness.of(WeightingFactory.class, "kit-probe")
                .withHocon("tasks = 3, mode = sum").with("scale", 4).create()) {
            assertEquals(3, h.config().getInt("tasks"));
            assertEquals(4, h.config().getDouble("scale"));
        }
    }

    @Test
    void invalidSettingsFailWithTheRuntimesMessagesAllAtOnce() {
        ConfigError e = assertThrows(ConfigError.class, () -> PluginHarness.of(WeightingFactory.class, "kit-probe")
                .with("scale", 0).with("tasks", 2.5).with("mode", "median").with("scal", 1).create());
        String m = e.getMessage();
        assertEquals(4, e.problems().size(), m);
        assertTrue(m.contains("PluginHarness.with(\"scale\", 0): weighting.scale:"), m);
        assertTrue(m.contains("weighting.tasks: expected a whole number, got 2.5"), m);
        assertTrue(m.contains("weighting.mode:") && m.contains("sum, mean"), m);
        assertTrue(m.contains("weighting.scal: unknown key; did you mean 'scale'?"), m);
    }

    @Test
    void aFactoryRejectingItsSettingsIsAConfigErrorNamingTheSection() {
        ConfigError e = assertThrows(ConfigError.class, () -> PluginHarness.of(WeightingFactory.class, "kit-probe")
                .with("mode", "mean").with("tasks", 2).create());
        assertTrue(e.getMessage().contains("weighting 'kit-probe': kit-probe: mode = mean takes no tasks"), e.getMessage());
    }

    @Test
    void theGeneratorIsSplitFromTheSeedByKindAsInARun() {
        long expected = new Rng(42).split("weighting").nextLong();
        try (PluginHandle<WeightingMethod> h = PluginHarness.of(WeightingFactory.class, "kit-probe").seed(42).create()) {
            assertEquals(expected, ((ScaledSum) h.plugin()).firstDraw);
        }
        try (PluginHandle<WeightingMethod> h = PluginHarness.of(WeightingFactory.class, "kit-probe").create()) {
            assertEquals(new Rng(0).split("weighting").nextLong(), ((ScaledSum) h.plugin()).firstDraw,
                    "the experiment's default seed is 0");
        }
    }

    @Test
    void theHandleRecordsDifferentiatesAndClosesItsManager() {
        NDManager manager;
        try (PluginHandle<WeightingMethod> h = PluginHarness.of(WeightingFactory.class, "kit-probe").with("scale", 3)
                .dataType(DataType.FLOAT64).create()) {
            assertEquals(DataType.FLOAT64, h.dataType());
            assertNotNull(h.context().convolution());
            assertEquals("cpu", h.context().device().getDeviceType());
            manager = h.manager();
            try (NDManager step = h.newStepManager()) {
                NDArray losses = Scalar.vector(step, new double[] {0.5, 2}, h.dataType());
                losses.setRequiresGradient(true);
                try (Autograd.Scope rec = h.record()) {
                    Combination.Objective o = (Combination.Objective) h.plugin()
                            .combine(TaskSignals.lossesOnly(losses, new dev.meta4j.api.optim.TrainingClock(0, 1, 0), step));
                    NDList g = h.autograd().grad(o.objective(), new NDList(losses), GraphMode.RELEASE);
                    assertEquals(7.5, o.objective().getDouble(), 1e-15);
                    assertArrayEquals(new double[] {3, 3}, g.get(0).toDoubleArray(), 1e-15);
                }
            }
            assertTrue(manager.isOpen());
        }
        assertFalse(manager.isOpen(), "closing the handle closes the experiment's manager");
    }

    @Test
    void aBuiltInOfAnotherKindIsCreatedToo() {
        try (PluginHandle<?> h = PluginHarness.of(OptimizerFactory.class, "sgd").with("momentum", 0.5).create()) {
            assertEquals(0.5, h.config().getDouble("momentum"));
            assertEquals(0.01, h.config().getDouble("lr"), "sgd's default");
        }
    }

    @Test
    void aMissingPluginSaysWhatToCheck() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PluginHarness.of(WeightingFactory.class, "kit-prob").create());
        assertTrue(e.getMessage().contains("no weighting plugin named 'kit-prob'"), e.getMessage());
        assertTrue(e.getMessage().contains("kit-probe") && e.getMessage().contains("@AutoService(WeightingFactory.class)")
                && e.getMessage().contains("META-INF/services/dev.meta4j.api.weighting.WeightingFactory"), e.getMessage());
    }

    @Test
    void misuseIsRejectedBeforeAnythingStarts() {
        assertThrows(IllegalArgumentException.class, () -> PluginHarness.of(WeightingFactory.class, "kit-probe").with("type", "ls"));
        assertThrows(IllegalArgumentException.class, () -> PluginHarness.of(WeightingFactory.class, "kit-probe").withHocon("scale = [1"));
        assertThrows(IllegalArgumentException.class, () -> PluginHarness.of(WeightingFactory.class, "kit-probe").dataType(DataType.INT32));
        IllegalArgumentException notAKind = assertThrows(IllegalArgumentException.class,
                () -> PluginHarness.of(ScaledSum.Factory.class, "kit-probe"));
        assertTrue(notAKind.getMessage().contains("WeightingFactory"), notAKind.getMessage());
    }
}
