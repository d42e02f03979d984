package dev.meta4j.runtime.suite;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.runtime.config.ConfigError.Problem;
import dev.meta4j.runtime.config.Suggestions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The runs of a suite, read from its {@code suite} section:
 *
 * <pre>
 * suite {
 *   name = multifashion
 *   seeds = [0, 1, 2]
 *   methods = [ls, famo, nashmtl]            # one run per method and seed
 *   method-key = weighting.type              # the key each method sets (algorithm.type: meta-learners)
 *   method-overrides { famo { weighting.gamma = 0.001 } }   # wins over method-key too
 *   single-task = [left, right]              # one baseline per task, for Δm% (experiment.tasks)
 * }
 * </pre>
 *
 * Every other section of the file is the base experiment that the runs vary.
 *
 * @param name the suite's name (its folder)
 * @param runs every run, methods first, then the single-task baselines
 * @param singleTask the task of each single-task baseline, in order
 */
public record SuitePlan(String name, List<Run> runs, List<String> singleTask) {

    /** The grid's keys; the executor's ({@link ExecutorSettings}) are checked there. */
    private static final List<String> KEYS = java.util.stream.Stream.concat(
            java.util.stream.Stream.of("name", "seeds", "methods", "method-key", "method-overrides", "single-task"),
            ExecutorSettings.KEYS.stream()).toList();

    /** A label is a folder name: no separators, no dot first, so no two labels share a folder. */
    private static final java.util.regex.Pattern LABEL = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** Folders of the suite's own, beside the runs' folders. */
    static final List<String> RESERVED = List.of("cells", "slurm");

    /**
     * One run of the grid.
     *
     * @param label the method's label ({@code famo}, or {@code stl-left} for a baseline)
     * @param seed the seed
     * @param overrides what the run changes in the base experiment
     * @param baselineTask the task a single-task baseline trains, or null for a method
     * @param dropped sections of the base experiment the run goes without (a baseline's
     *     {@code weighting}: one task needs none)
     */
    public record Run(String label, long seed, Config overrides, String baselineTask, List<String> dropped) {

        /** Copies the list. */
        public Run {
            dropped = List.copyOf(dropped);
        }

        /**
         * A run that keeps every section of the base experiment.
         *
         * @param label the label
         * @param seed the seed
         * @param overrides the overrides
         * @param baselineTask the baseline's task, or null
         */
        public Run(String label, long seed, Config overrides, String baselineTask) {
            this(label, seed, overrides, baselineTask, List.of());
        }

        /** @return the run's folder name below the suite's folder */
        public String folder() {
            return label + "/seed-" + seed;
        }
    }

    /**
     * Reads the plan.
     *
     * @param user the suite file as written (with includes)
     * @return the plan
     * @throws ConfigError for a missing or malformed suite section
     */
    public static SuitePlan of(Config user) {
        if (!user.hasPath("suite")) {
            throw new ConfigError(new Problem("(config)", "suite",
                    "missing section: suite { name = ..., seeds = [...], methods = [...] }"));
        }
        Config s = user.getConfig("suite");
        List<Problem> problems = new ArrayList<>();
        for (String key : s.root().keySet()) {
            if (!KEYS.contains(key)) {
                String hint = Suggestions.closest(key, KEYS).map(k -> "; did you mean '" + k + "'?").orElse(".");
                problems.add(Problem.at(s.root().get(key).origin(), "suite." + key, "unknown key" + hint
                        + " Valid keys: " + String.join(", ", KEYS)));
            }
        }
        List<String> methods = strings(s, "methods", true, problems);
        List<String> single = strings(s, "single-task", false, problems);
        List<Long> seeds = seeds(s, problems);
        if (s.hasPath("name") && (s.getValue("name").valueType() != ConfigValueType.STRING
                || !LABEL.matcher(s.getString("name")).matches())) {
            problems.add(Problem.at(s.getValue("name").origin(), "suite.name",
                    "expected a name that can be a folder's (letters, digits, '.', '_', '-')"));
        }
        labels(s, methods, single, problems);
        String methodKey = "weighting.type";
        if (s.hasPath("method-key")) {
            ConfigValue v = s.getValue("method-key");
            if (v.valueType() != ConfigValueType.STRING || !v.unwrapped().toString().matches("[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+")) {
                problems.add(Problem.at(v.origin(), "suite.method-key", "expected the config key each method sets,"
                        + " such as weighting.type (the default) or algorithm.type, got " + v.render(ConfigRenderOptions.concise())));
            } else {
                methodKey = s.getString("method-key");
            }
        }
        if (s.hasPath("method-overrides") && s.getValue("method-overrides").valueType() != ConfigValueType.OBJECT) {
            problems.add(Problem.at(s.getValue("method-overrides").origin(), "suite.method-overrides",
                    "expected a section { <method> { key = value } }"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigError(problems);
        }
        String name = s.hasPath("name") ? s.getString("name") : "suite";
        Config perMethod = s.hasPath("method-overrides") ? s.getConfig("method-overrides") : ConfigFactory.empty();
        for (String key : perMethod.root().keySet()) {
            if (!methods.contains(key)) {
                problems.add(Problem.at(perMethod.root().get(key).origin(), "suite.method-overrides." + key,
                        "not one of the suite's methods " + methods));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigError(problems);
        }
        List<Run> runs = new ArrayList<>();
        for (String method : methods) {
            Config extra = perMethod.hasPath(quote(method)) ? perMethod.getConfig(quote(method)) : ConfigFactory.empty();
            for (long seed : seeds) {
                Config o = extra.withFallback(ConfigFactory.empty()
                        .withValue(methodKey, ConfigValueFactory.fromAnyRef(method)));
                runs.add(new Run(method, seed, withSeed(o, method, seed), null));
            }
        }
        for (String task : single) {
            for (long seed : seeds) {
                // The base experiment seen through one task of its dataset: no weighting applies.
                Config o = ConfigFactory.empty()
                        .withValue("experiment.tasks", ConfigValueFactory.fromIterable(List.of(task)));
                runs.add(new Run("stl-" + task, seed, withSeed(o, "stl-" + task, seed), task, List.of("weighting")));
            }
        }
        return new SuitePlan(name, List.copyOf(runs), List.copyOf(single));
    }

    /** Each label names a folder of its own: a folder name, not one of the suite's own folders, and once. */
    private static void labels(Config s, List<String> methods, List<String> single, List<Problem> problems) {
        Set<String> seen = new java.util.HashSet<>();
        List<String> all = new ArrayList<>(methods);
        single.forEach(t -> all.add("stl-" + t));
        for (int i = 0; i < all.size(); i++) {
            String label = all.get(i);
            String key = i < methods.size() ? "methods" : "single-task";
            ConfigValue where = s.getValue(key);
            if (!LABEL.matcher(label).matches()) {
                problems.add(Problem.at(where.origin(), "suite." + key, "'" + label + "' cannot be a folder name:"
                        + " use letters, digits, '.', '_' and '-', starting with a letter or digit"));
            } else if (RESERVED.contains(label)) {
                problems.add(Problem.at(where.origin(), "suite." + key, "'" + label + "' is the name of a folder the"
                        + " suite keeps for itself (" + String.join(", ", RESERVED) + "); call the method otherwise"));
            } else if (!seen.add(label.toLowerCase(java.util.Locale.ROOT))) {
                // The same label twice is the list's own error; a case difference would share a
                // folder on a case-insensitive file system.
                if (i >= methods.size() && methods.contains(label)) {
                    problems.add(Problem.at(where.origin(), "suite." + key, "the baseline '" + label
                            + "' has the name of a method; each label is one folder of runs"));
                } else if (!all.subList(0, i).contains(label)) {
                    problems.add(Problem.at(where.origin(), "suite." + key, "'" + label + "' differs from another"
                            + " label only in case; on a case-insensitive file system they would share a folder"));
                }
            }
        }
    }

    /** A list of names, each once: a repeated one would plan two runs into one folder. */
    private static List<String> strings(Config s, String key, boolean required, List<Problem> problems) {
        if (!s.hasPath(key)) {
            if (required) {
                problems.add(Problem.at(s.root().origin(), "suite." + key, "missing: a list of weighting methods, such as [ls, famo]"));
            }
            return List.of();
        }
        ConfigValue v = s.getValue(key);
        if (v.valueType() != ConfigValueType.LIST
                || ((ConfigList) v).stream().anyMatch(e -> e.valueType() != ConfigValueType.STRING)) {
            problems.add(Problem.at(v.origin(), "suite." + key, "expected a list of names, such as [ls, famo], got " + v.render(ConfigRenderOptions.concise())));
            return List.of();
        }
        List<String> out = s.getStringList(key);
        duplicate(out).ifPresent(d -> problems.add(Problem.at(v.origin(), "suite." + key,
                "'" + d + "' is listed twice; each entry is one folder of runs, so list it once")));
        return out;
    }

    private static List<Long> seeds(Config s, List<Problem> problems) {
        if (!s.hasPath("seeds")) {
            return List.of(0L);
        }
        ConfigValue v = s.getValue("seeds");
        if (v.valueType() != ConfigValueType.LIST || ((ConfigList) v).stream().anyMatch(e -> !(e.unwrapped() instanceof Integer
                || e.unwrapped() instanceof Long))) {
            problems.add(Problem.at(v.origin(), "suite.seeds", "expected a list of whole numbers, such as [0, 1, 2], got "
                    + v.render(ConfigRenderOptions.concise())));
            return List.of();
        }
        List<Long> out = s.getLongList("seeds");
        duplicate(out).ifPresent(d -> problems.add(Problem.at(v.origin(), "suite.seeds",
                "seed " + d + " is listed twice; each seed is one folder of runs, so list it once")));
        return out;
    }

    private static <T> java.util.Optional<T> duplicate(List<T> list) {
        Set<T> seen = new java.util.HashSet<>();
        return list.stream().filter(x -> !seen.add(x)).findFirst();
    }

    private static Config withSeed(Config o, String label, long seed) {
        return o.withValue("experiment.seed", ConfigValueFactory.fromAnyRef(seed))
                .withValue("experiment.name", ConfigValueFactory.fromAnyRef(label + "-seed" + seed));
    }

    private static String quote(String key) {
        return "\"" + key + "\"";
    }

    /**
     * The labels of the methods, in order, without baselines.
     *
     * @return the labels
     */
    public List<String> methodLabels() {
        return runs.stream().filter(r -> r.baselineTask() == null).map(Run::label).distinct().toList();
    }
}
