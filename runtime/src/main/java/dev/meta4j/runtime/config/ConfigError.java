package dev.meta4j.runtime.config;

import com.typesafe.config.ConfigOrigin;
import java.util.List;

/** The configuration is invalid; every problem names the key and where it was written. */
public final class ConfigError extends RuntimeException {

    private final List<Problem> problems;

    /**
     * Creates the error.
     *
     * @param problems what is wrong, at least one
     */
    public ConfigError(List<Problem> problems) {
        super(render(problems));
        this.problems = List.copyOf(problems);
    }

    /**
     * Creates an error with one problem.
     *
     * @param problem what is wrong
     */
    public ConfigError(Problem problem) {
        this(List.of(problem));
    }

    /**
     * The problems.
     *
     * @return the list
     */
    public List<Problem> problems() {
        return problems;
    }

    private static String render(List<Problem> problems) {
        StringBuilder sb = new StringBuilder();
        sb.append(problems.size() == 1 ? "invalid configuration:" : problems.size() + " configuration errors:");
        for (Problem p : problems) {
            sb.append("\n  ").append(p);
        }
        return sb.toString();
    }

    /**
     * One problem.
     *
     * @param where the file and line ({@code famo.conf:12}), or what else the value came from
     * @param key the full key ({@code weighting.gama})
     * @param message what is wrong, with a suggestion where one helps
     */
    public record Problem(String where, String key, String message) {

        /**
         * A problem located by a config origin.
         *
         * @param origin the origin of the offending value (may be null)
         * @param key the full key
         * @param message what is wrong
         * @return the problem
         */
        public static Problem at(ConfigOrigin origin, String key, String message) {
            return new Problem(where(origin), key, message);
        }

        /**
         * Renders an origin as {@code file:line}.
         *
         * @param origin the origin
         * @return the location
         */
        public static String where(ConfigOrigin origin) {
            if (origin == null) {
                return "(unknown origin)";
            }
            if (origin.filename() != null) {
                return origin.filename() + (origin.lineNumber() > 0 ? ":" + origin.lineNumber() : "");
            }
            if (origin.resource() != null) {
                return "classpath:" + origin.resource() + (origin.lineNumber() > 0 ? ":" + origin.lineNumber() : "");
            }
            return origin.description();
        }

        @Override
        public String toString() {
            return where + ": " + key + ": " + message;
        }
    }
}
