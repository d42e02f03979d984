package dev.meta4j.weighting;

import static dev.meta4j.weighting.GoldenTolerance.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.PrimitiveIterator;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every loss-based method against the golden numbers of {@code
 * scripts/reference/weighting_loss_golden.py}: per step the objective, its gradient with respect
 * to the losses, the logged weights, and per method the log-variance gradient (uw) and the task
 * logits after the update (famo), step after step.
 */
class GoldenLossBasedTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 0);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    @Test
    void goldenFileCoversEveryMethodWithTwoThreeAndFiveTasks() {
        Map<String, List<Integer>> sizes = LossBasedGolden.load().stream().collect(Collectors.groupingBy(
                LossBasedGolden.Case::method, TreeMap::new,
                Collectors.mapping(c -> c.steps().get(0).losses().length, Collectors.toList())));
        assertEquals(List.of("dwa", "famo", "ls", "rlw", "scaleinvls", "uw"), List.copyOf(sizes.keySet()));
        sizes.forEach((method, ks) -> assertTrue(ks.containsAll(List.of(2, 3, 5)), method + " covers K = " + ks));
    }

    @TestFactory
    Stream<DynamicTest> matchesTheReference() {
        return LossBasedGolden.load().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> replay(c)));
    }

    private static void replay(LossBasedGolden.Case c) {
        WeightingMethod method = c.method().equals("rlw")
                ? new RandomLossWeighting(drawsOf(c))
                : LossStepHarness.create(kit, c.method(), c.config());
        for (int t = 0; t < c.steps().size(); t++) {
            LossBasedGolden.Step s = c.steps().get(t);
            String at = c + " step " + t;
            if (s.logVariances() != null) {
                LossStepHarness.setValues(kit, method.parameters().get(UncertaintyWeighting.PARAMETER), s.logVariances());
            }
            LossStepHarness.Outcome out = LossStepHarness.step(kit, method, s.losses(), t, s.epoch());
            assertClose(s.objective(), out.objective(), at + " objective");
            assertClose(s.gradLosses(), out.gradLosses(), at + " d objective / d losses");
            assertClose(s.weights(), out.weights(), at + " logged weights");
            if (s.gradLogVariances() != null) {
                assertClose(s.gradLogVariances(), out.gradParameters(), at + " d objective / d log-variances");
            }
            if (s.lossesAfter() != null) {
                LossStepHarness.afterStep(kit, method, s.lossesAfter());
                assertClose(s.logitsAfter(), ((Famo) method).logits(), at + " logits after the update");
            }
        }
    }

    /** The case's draws, step after step, as the fixed source of a {@link RandomLossWeighting}. */
    private static java.util.function.DoubleSupplier drawsOf(LossBasedGolden.Case c) {
        PrimitiveIterator.OfDouble it = c.steps().stream()
                .flatMapToDouble(s -> Arrays.stream(s.draws()))
                .iterator();
        return it::nextDouble;
    }
}
