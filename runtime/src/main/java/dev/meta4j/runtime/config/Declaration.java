package dev.meta4j.runtime.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a setting accepts, as its {@code reference.conf} entry declares it: the kind of value (from
 * the default), whether a number must be whole (an {@code @int} line in the doc comment), and the
 * {@link Constraint} ({@code @range}/{@code @oneof}). For a list default the declaration applies
 * to each element.
 *
 * <p>Whole numbers are declared, never inferred from how the default is written: HOCON reads
 * {@code 0.0} as the integer 0, so a default of {@code 0.0} says nothing about {@code 0.9}. A
 * whole number must also fit a Java {@code long}; Typesafe Config would clamp a larger one
 * silently. A null default takes any value unless {@code @int} or {@code @range} says it is a
 * number; the plugin checks the rest.
 */
public final class Declaration {

    private static final Pattern WHOLE = Pattern.compile("(^|\\s)@int(\\s|$)");
    private static final Pattern PLUGIN = Pattern.compile("(^|\\s)@plugin\\s+([a-z]+)");
    private static final Set<String> BOOLEAN_WORDS = Set.of("true", "false", "yes", "no", "on", "off");
    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private final ConfigValue defaultValue;
    private final boolean whole;
    private final Optional<Constraint> constraint;

    private Declaration(ConfigValue defaultValue, boolean whole, Optional<Constraint> constraint) {
        this.defaultValue = defaultValue;
        this.whole = whole;
        this.constraint = constraint;
    }

    /**
     * Reads the declaration of a default.
     *
     * @param defaultValue the default, with its origin's comments
     * @return the declaration
     */
    public static Declaration of(ConfigValue defaultValue) {
        boolean whole = defaultValue.origin().comments().stream().anyMatch(l -> WHOLE.matcher(l).find());
        return new Declaration(defaultValue, whole, Constraint.of(defaultValue));
    }

    /**
     * The plugin kind of a sub-plugin slot: a section {@code { type = ..., ... }} whose comment
     * says {@code @plugin optimizer} (the kind's config section name). Its settings are those of
     * the plugin its {@code type} names, validated against that plugin's defaults.
     *
     * @return the kind's section name, or empty for an ordinary setting
     */
    public Optional<String> pluginKind() {
        for (String line : defaultValue.origin().comments()) {
            java.util.regex.Matcher m = PLUGIN.matcher(line);
            if (m.find()) {
                return Optional.of(m.group(2));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether the setting takes only whole numbers (or, for a list, lists of them).
     *
     * @return true for an {@code @int} key
     */
    public boolean whole() {
        return whole;
    }

    /**
     * Whether the setting takes a number (or, for a list, a list of numbers).
     *
     * @return true for a number key
     */
    public boolean number() {
        return scalarType() == ConfigValueType.NUMBER;
    }

    /**
     * The constraint, if any.
     *
     * @return the {@code @range} or {@code @oneof}
     */
    public Optional<Constraint> constraint() {
        return constraint;
    }

    /**
     * Whether the default is a list, whose elements the declaration describes.
     *
     * @return true for a list key
     */
    public boolean list() {
        return defaultValue.valueType() == ConfigValueType.LIST;
    }

    /** The type of the value, or of each element of a list; NULL when any value is allowed. */
    private ConfigValueType scalarType() {
        ConfigValueType t = defaultValue.valueType();
        if (t == ConfigValueType.LIST) {
            List<ConfigValue> elements = (ConfigList) defaultValue;
            t = elements.isEmpty() ? ConfigValueType.NULL : elements.get(0).valueType();
        }
        if (t == ConfigValueType.NULL && (whole || constraint.filter(c -> c instanceof Constraint.Range).isPresent())) {
            return ConfigValueType.NUMBER;
        }
        return t;
    }

    /**
     * Checks a configured value: its type, then its constraint.
     *
     * @param value the value as configured
     * @return what is wrong, if anything
     */
    public Optional<String> problem(ConfigValue value) {
        if (value.valueType() == ConfigValueType.NULL) {
            return defaultValue.valueType() == ConfigValueType.NULL
                    ? Optional.empty() : Optional.of("must not be null; the default is " + defaultValue.render(ConfigRenderOptions.concise()));
        }
        if (list()) {
            if (value.valueType() != ConfigValueType.LIST) {
                return Optional.of("expected a list [ ... ], got " + describe(value));
            }
            List<ConfigValue> elements = (ConfigList) value;
            for (int i = 0; i < elements.size(); i++) {
                Optional<String> p = scalarProblem(elements.get(i));
                if (p.isPresent()) {
                    return Optional.of("element " + (i + 1) + " of " + value.render(ConfigRenderOptions.concise()) + ": " + p.get());
                }
            }
            return Optional.empty();
        }
        return scalarProblem(value);
    }

    private Optional<String> scalarProblem(ConfigValue value) {
        Optional<String> type = typeProblem(value);
        return type.isPresent() ? type : constraint.flatMap(c -> c.violation(value));
    }

    private Optional<String> typeProblem(ConfigValue value) {
        ConfigValueType want = scalarType();
        ConfigValueType got = value.valueType();
        String raw = String.valueOf(value.unwrapped());
        switch (want) {
            case NULL:
                return Optional.empty();
            case NUMBER: {
                BigDecimal n = asNumber(value);
                if (n == null) {
                    return Optional.of("expected a number, got " + describe(value));
                }
                if (whole && n.stripTrailingZeros().scale() > 0) {
                    return Optional.of("expected a whole number, got " + raw);
                }
                if (whole && (n.compareTo(LONG_MIN) < 0 || n.compareTo(LONG_MAX) > 0)) {
                    return Optional.of(raw + " is too large for a whole number (at most " + Long.MAX_VALUE + ")");
                }
                return Optional.empty();
            }
            case BOOLEAN:
                return got == ConfigValueType.BOOLEAN || (got == ConfigValueType.STRING && BOOLEAN_WORDS.contains(raw))
                        ? Optional.empty() : Optional.of("expected true or false, got " + describe(value));
            case STRING:
                return got == ConfigValueType.STRING || got == ConfigValueType.NUMBER || got == ConfigValueType.BOOLEAN
                        ? Optional.empty() : Optional.of("expected a string, got " + describe(value));
            case LIST:
                return got == ConfigValueType.LIST ? Optional.empty() : Optional.of("expected a list [ ... ], got " + describe(value));
            case OBJECT:
                return got == ConfigValueType.OBJECT ? Optional.empty()
                        : Optional.of("expected a section { ... }, got " + describe(value));
            default:
                return Optional.empty();
        }
    }

    /** The exact number a value stands for (a number, or a string that reads as one), else null. */
    private static BigDecimal asNumber(ConfigValue value) {
        if (value.valueType() != ConfigValueType.NUMBER && value.valueType() != ConfigValueType.STRING) {
            return null;
        }
        Object u = value.unwrapped();
        try {
            if (u instanceof Double d) {
                // A literal too large for a long arrives as a double: keep its magnitude.
                return Double.isFinite(d) ? new BigDecimal(d) : null;
            }
            return new BigDecimal(String.valueOf(u).trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String describe(ConfigValue v) {
        return switch (v.valueType()) {
            case OBJECT -> "a section";
            case LIST -> "a list";
            case STRING -> "'" + v.unwrapped() + "'";
            default -> String.valueOf(v.unwrapped());
        };
    }
}
