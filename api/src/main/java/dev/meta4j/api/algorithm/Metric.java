package dev.meta4j.api.algorithm;

import java.util.Objects;

/**
 * A metric's name and the way it improves.
 *
 * @param name the name as it appears in {@link Metrics} ({@code accuracy}, {@code miou})
 * @param direction which way it improves
 */
public record Metric(String name, Direction direction) {

    /** Validates the fields. */
    public Metric {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a metric needs a name");
        }
        Objects.requireNonNull(direction, "metric '" + name + "' needs a direction");
    }

    /**
     * Whether larger values are better.
     *
     * @return the direction's answer
     */
    public boolean higherIsBetter() {
        return direction.higherIsBetter();
    }
}
