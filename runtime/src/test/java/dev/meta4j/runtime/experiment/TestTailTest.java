package dev.meta4j.runtime.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metrics;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which validations the last-N test evaluations follow, and their mean read back from the log. */
class TestTailTest {

    @Test
    void theLastValidationPointsIncludeTheFinalStep() {
        // 10 epochs of 7 steps validated each epoch: the last 3 are steps 56, 63, 70.
        assertEquals(List.of(56L, 63L, 70L), new TestTail(3, 70, 7).steps());
        // A final step off the validation grid is a validation point of its own.
        assertEquals(List.of(60L, 63L), new TestTail(2, 63, 10).steps());
        // Fewer validations than asked for: all of them.
        assertEquals(List.of(5L, 10L), new TestTail(10, 10, 5).steps());
        assertEquals(List.of(10L), new TestTail(3, 10, 0).steps(), "eval-every 0: the end only");
        assertTrue(new TestTail(0, 70, 7).steps().isEmpty());
        assertFalse(new TestTail(3, 70, 7).covers(49));
    }

    static JsonObject line(long step, String split, double miou, double err) {
        JsonObject o = new JsonObject();
        o.addProperty("step", step);
        o.addProperty("split", split);
        o.addProperty("semantic/miou", miou);
        o.addProperty("depth/abs-error", err);
        return o;
    }

    @Test
    void theMeanIsOverTheLoggedTestLinesOfThoseSteps() {
        TestTail tail = new TestTail(2, 20, 5);
        List<JsonObject> lines = new ArrayList<>();
        lines.add(line(10, TestTail.SPLIT, 0.1, 9));
        lines.add(line(15, "validation", 0.9, 9));
        lines.add(line(15, TestTail.SPLIT, 0.3, 2));
        lines.add(line(20, TestTail.SPLIT, 0.5, 4));
        lines.add(line(20, "test", 0.7, 7));
        Metrics directions = Metrics.builder().put("semantic/miou", 0, Direction.HIGHER_IS_BETTER).build();
        Metrics mean = tail.mean(lines, directions).orElseThrow();
        assertEquals(0.4, mean.get("semantic/miou").getAsDouble(), 1e-12);
        assertEquals(3, mean.get("depth/abs-error").getAsDouble(), 1e-12);
        assertEquals(Direction.HIGHER_IS_BETTER, mean.direction("semantic/miou").orElseThrow());
        assertEquals(2, tail.logged(lines));
        assertFalse(tail.mean(List.of(line(20, "test", 1, 1))).isPresent());
    }
}
