package dev.meta4j.api.algorithm;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Named numbers in insertion order: what a step or an evaluation reports. A metric may state
 * its {@link Direction}; the runtime writes the directions into {@code summary.json}, and the
 * suite's Δm% and mean rank use them.
 */
public final class Metrics {

    private static final Metrics EMPTY = new Metrics(Map.of(), Map.of());

    /** The name of a step's training loss, which the runtime watches for divergence. */
    public static final String LOSS = "loss";

    private final Map<String, Double> values;
    private final Map<String, Direction> directions;

    private Metrics(Map<String, Double> values, Map<String, Direction> directions) {
        this.values = values;
        this.directions = directions;
    }

    /**
     * No metrics.
     *
     * @return the empty set
     */
    public static Metrics empty() {
        return EMPTY;
    }

    /**
     * A builder that keeps insertion order.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A value.
     *
     * @param name the name
     * @return the value, or empty if absent
     */
    public OptionalDouble get(String name) {
        Double v = values.get(name);
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /**
     * All values in order.
     *
     * @return an unmodifiable map
     */
    public Map<String, Double> asMap() {
        return values;
    }

    /**
     * These metrics with every name prefixed, such as {@code validation/}.
     *
     * @param prefix the prefix
     * @return new metrics
     */
    public Metrics prefixed(String prefix) {
        Builder b = builder();
        values.forEach((k, v) -> b.put(prefix + k, v, directions.get(k)));
        return b.build();
    }

    /**
     * The direction a metric states.
     *
     * @param name the name
     * @return its direction, or empty if it states none
     */
    public Optional<Direction> direction(String name) {
        return Optional.ofNullable(directions.get(name));
    }

    /**
     * Every stated direction, in the metrics' order.
     *
     * @return an unmodifiable map from metric name to direction
     */
    public Map<String, Direction> directions() {
        return directions;
    }

    @Override
    public String toString() {
        return values.toString();
    }

    /** Collects metrics. */
    public static final class Builder {
        private final Map<String, Double> values = new LinkedHashMap<>();
        private final Map<String, Direction> directions = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Adds or replaces a value.
         *
         * @param name the name
         * @param value the value
         * @return this builder
         */
        public Builder put(String name, double value) {
            values.put(name, value);
            directions.remove(name);
            return this;
        }

        /**
         * Adds or replaces a value that improves in a stated direction.
         *
         * @param name the name
         * @param value the value
         * @param direction which way it improves, or null for none
         * @return this builder
         */
        public Builder put(String name, double value, Direction direction) {
            values.put(name, value);
            if (direction == null) {
                directions.remove(name);
            } else {
                directions.put(name, direction);
            }
            return this;
        }

        /**
         * Adds or replaces a value read from a scalar array of any floating-point type.
         *
         * @param name the name
         * @param scalar a one-element array
         * @return this builder
         */
        public Builder put(String name, ai.djl.ndarray.NDArray scalar) {
            return put(name, scalar.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble());
        }

        /**
         * Adds all values of other metrics.
         *
         * @param other the metrics
         * @return this builder
         */
        public Builder putAll(Metrics other) {
            other.values.forEach((k, v) -> put(k, v, other.directions.get(k)));
            return this;
        }

        /**
         * Builds the metrics.
         *
         * @return the metrics
         */
        public Metrics build() {
            Map<String, Direction> d = new LinkedHashMap<>();
            values.keySet().forEach(k -> {
                if (directions.containsKey(k)) {
                    d.put(k, directions.get(k));
                }
            });
            return new Metrics(Collections.unmodifiableMap(new LinkedHashMap<>(values)), Collections.unmodifiableMap(d));
        }
    }
}
