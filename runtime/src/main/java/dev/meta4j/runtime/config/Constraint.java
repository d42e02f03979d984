package dev.meta4j.runtime.config;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A constraint on a setting, read from the comment above its default in {@code reference.conf}:
 * {@code @range (0, inf)} (interval notation, {@code inf} or {@code -inf} for no bound) or
 * {@code @oneof none, l2, loss}. Keeping it in the comment makes the documentation that
 * {@code meta4j describe} prints and the check one and the same text.
 */
public abstract sealed class Constraint {

    private static final Pattern RANGE =
            Pattern.compile("@range\\s*([\\[(])\\s*([^,\\s]+)\\s*,\\s*([^\\])\\s]+)\\s*([\\])])");
    private static final Pattern ONE_OF = Pattern.compile("@oneof\\s+(.+)");

    /**
     * The constraint declared in a default value's comments, if any.
     *
     * @param defaultValue the default, with its origin's comments
     * @return the constraint
     * @throws IllegalStateException for a malformed declaration (a bug in a plugin's defaults)
     */
    public static Optional<Constraint> of(ConfigValue defaultValue) {
        for (String line : defaultValue.origin().comments()) {
            Matcher m = RANGE.matcher(line);
            if (m.find()) {
                return Optional.of(
                        new Range(m.group(1).equals("["), bound(m.group(2)), bound(m.group(3)), m.group(4).equals("]")));
            }
            Matcher o = ONE_OF.matcher(line);
            if (o.find()) {
                List<String> options = Arrays.stream(o.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
                return Optional.of(new OneOf(options));
            }
        }
        return Optional.empty();
    }

    private static double bound(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "inf", "+inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    /**
     * Checks a value.
     *
     * @param value the value as configured
     * @return a message if the value violates the constraint
     */
    public abstract Optional<String> violation(ConfigValue value);

    /** A closed, open or half-open interval of numbers. */
    static final class Range extends Constraint {
        private final boolean lowClosed;
        private final double low;
        private final double high;
        private final boolean highClosed;

        Range(boolean lowClosed, double low, double high, boolean highClosed) {
            this.lowClosed = lowClosed;
            this.low = low;
            this.high = high;
            this.highClosed = highClosed;
        }

        @Override
        public Optional<String> violation(ConfigValue value) {
            if (value.valueType() == ConfigValueType.NULL) {
                return Optional.empty();
            }
            double v;
            try {
                v = Double.parseDouble(String.valueOf(value.unwrapped()));
            } catch (NumberFormatException e) {
                return Optional.empty(); // the type check reports it
            }
            boolean ok = (lowClosed ? v >= low : v > low) && (highClosed ? v <= high : v < high);
            return ok ? Optional.empty() : Optional.of(value.unwrapped() + " is out of range " + this);
        }

        @Override
        public String toString() {
            return (lowClosed ? "[" : "(") + fmt(low) + ", " + fmt(high) + (highClosed ? "]" : ")");
        }

        private static String fmt(double d) {
            if (Double.isInfinite(d)) {
                return d > 0 ? "inf" : "-inf";
            }
            return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
        }
    }

    /** One of a fixed set of strings. */
    static final class OneOf extends Constraint {
        private final List<String> options;

        OneOf(List<String> options) {
            this.options = List.copyOf(options);
        }

        @Override
        public Optional<String> violation(ConfigValue value) {
            if (value.valueType() == ConfigValueType.NULL) {
                return Optional.empty();
            }
            String v = String.valueOf(value.unwrapped());
            if (options.contains(v)) {
                return Optional.empty();
            }
            String hint = Suggestions.closest(v, options).map(s -> "; did you mean '" + s + "'?").orElse("");
            return Optional.of("'" + v + "' is not one of " + String.join(", ", options) + hint);
        }

        @Override
        public String toString() {
            return "one of " + String.join(", ", options);
        }
    }
}
