package dev.meta4j.api.algorithm;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/** Named numbers in insertion order: what a step or an evaluation reports. */
public final class Metrics {

    private static final Metrics EMPTY = new Metrics(Map.of());

    private final Map<String, Double> values;

    private Metrics(Map<String, Double> values) {
        this.values = values;
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
        values.forEach((k, v) -> b.put(prefix + k, v));
        return b.build();
    }

    @Override
    public String toString() {
        return values.toString();
    }

    /** Collects metrics. */
    public static final class Builder {
        private final Map<String, Double> values = new LinkedHashMap<>();

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
            values.putAll(other.values);
            return this;
        }

        /**
         * Builds the metrics.
         *
         * @return the metrics
         */
        public Metrics build() {
            return new Metrics(Collections.unmodifiableMap(new LinkedHashMap<>(values)));
        }
    }
}
