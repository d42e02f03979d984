package dev.meta4j.weighting;

import static dev.meta4j.weighting.GoldenTolerance.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.config.Constraint;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What every loss-based method must do: stay finite, work in float32, free its step arrays, document its defaults. */
class AllLossBasedMethodsTest {

    private static final Map<String, String> CONFIG = Map.of("uw", "tasks = 3");

    /** Zero, identical, tiny and huge losses, in that order, two steps per epoch. */
    private static final double[][] DEGENERATE = {
        {0, 0, 0}, {0, 1, 2.5}, {1.5, 1.5, 1.5}, {0, 0, 0}, {1e-30, 1, 1e30}, {1e30, 1e30, 0},
        {0, 1e-30, 1}, {2, 2, 2}, {0, 0, 0}, {1e30, 1e-30, 1}, {0.5, 0.5, 0.5}, {0, 0, 0},
    };

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 8);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    private static WeightingMethod create(String name) {
        return LossStepHarness.create(kit, name, CONFIG.getOrDefault(name, ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ls", "scaleinvls", "rlw", "dwa", "uw", "famo"})
    void degenerateLossesNeverGiveNaN(String name) {
        WeightingMethod method = create(name);
        for (int t = 0; t < DEGENERATE.length; t++) {
            LossStepHarness.Outcome out = LossStepHarness.step(kit, method, DEGENERATE[t], t, t / 2);
            assertTrue(out.allFinite(), name + " step " + t + " " + Arrays.toString(DEGENERATE[t]) + ": " + out);
            if (method.wantsLossesAfterStep()) {
                LossStepHarness.afterStep(kit, method, DEGENERATE[(t + 1) % DEGENERATE.length]);
            }
        }
        if (method instanceof Famo famo) {
            assertTrue(Arrays.stream(famo.logits()).allMatch(Double::isFinite), Arrays.toString(famo.logits()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ls", "scaleinvls", "rlw", "dwa", "uw", "famo"})
    void float32LossesGiveAFloat32ObjectiveOfTheSameValue(String name) {
        try (PluginTestKit kit32 = PluginTestKit.open(DataType.FLOAT32, 8)) {
            WeightingMethod wide = create(name);
            WeightingMethod narrow = LossStepHarness.create(kit32, name, CONFIG.getOrDefault(name, ""));
            double[][] losses = {{0.75, 1.5, 0.25}, {0.5, 1.25, 0.25}, {0.5, 1.0, 0.125}};
            for (int t = 0; t < losses.length; t++) {
                LossStepHarness.Outcome a = LossStepHarness.step(kit, wide, losses[t], t, t);
                LossStepHarness.Outcome b = LossStepHarness.step(kit32, narrow, losses[t], t, t, DataType.FLOAT32);
                assertEquals(DataType.FLOAT64, a.objectiveType());
                assertEquals(DataType.FLOAT32, b.objectiveType(), "the objective keeps the losses' type");
                assertClose(a.objective(), b.objective(), 1e-6, name + " objective");
                assertClose(a.gradLosses(), b.gradLosses(), 1e-6, name + " gradient");
                // float32 losses with a method created for float64 (uw's parameter): cast, not fail
                LossStepHarness.Outcome mixed = LossStepHarness.step(kit, create(name), losses[t], t, t, DataType.FLOAT32);
                assertEquals(DataType.FLOAT32, mixed.objectiveType());
                if (wide.wantsLossesAfterStep()) {
                    double[] next = Arrays.stream(losses[t]).map(v -> v * 0.9).toArray();
                    LossStepHarness.afterStep(kit, wide, next);
                    LossStepHarness.afterStep(kit32, narrow, next);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ls", "scaleinvls", "rlw", "dwa", "uw", "famo"})
    void stepsLeaveNoArraysInTheLongLivedManager(String name) {
        WeightingMethod method = create(name);
        method.parameters();
        int before = kit.manager().getManagedArrays().size();
        for (int t = 0; t < 20; t++) {
            LossStepHarness.step(kit, method, new double[] {0.5 + t, 1, 2}, t, t / 5);
            if (method.wantsLossesAfterStep()) {
                LossStepHarness.afterStep(kit, method, new double[] {0.4 + t, 1, 2});
            }
        }
        assertEquals(before, kit.manager().getManagedArrays().size(), "per-step arrays belong to the step's manager");
    }

    @Test
    void everyDefaultIsDocumentedAndItsConstraintParses() {
        Config reference = ConfigFactory.defaultReference(getClass().getClassLoader());
        for (String name : new String[] {"ls", "scaleinvls", "rlw", "dwa", "uw", "famo"}) {
            String path = PluginKind.WEIGHTING.defaultsPath(name);
            assertTrue(reference.hasPath(path), path);
            for (Map.Entry<String, ConfigValue> e : reference.getConfig(path).root().entrySet()) {
                assertFalse(e.getValue().origin().comments().isEmpty(), path + "." + e.getKey() + " has a comment");
                Constraint.of(e.getValue()); // throws on a malformed @range / @oneof
            }
        }
        Config famo = reference.getConfig(PluginKind.WEIGHTING.defaultsPath("famo"));
        assertEquals(0.01, famo.getDouble("gamma"));
        assertEquals(0.025, famo.getDouble("w-lr"));
        assertEquals(2.0, reference.getConfig(PluginKind.WEIGHTING.defaultsPath("dwa")).getDouble("temperature"));
        ConfigValue gamma = reference.getConfig(PluginKind.WEIGHTING.defaultsPath("famo")).root().get("gamma");
        assertTrue(Constraint.of(gamma).orElseThrow().violation(ConfigValueFactory.fromAnyRef(-1)).isPresent());
        ConfigValue dist = reference.getConfig(PluginKind.WEIGHTING.defaultsPath("rlw")).root().get("distribution");
        assertTrue(Constraint.of(dist).orElseThrow().violation(ConfigValueFactory.fromAnyRef("dirichlet")).isPresent());
    }
}
