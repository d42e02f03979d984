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
 *   methods = [ls, famo, nashmtl]            # weighting methods, one run per method and seed
 *   method-overrides { famo { weighting.gamma = 0.001 } }
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

    private static final Set<String> KEYS = Set.of("name", "seeds", "methods", "method-overrides", "single-task");

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
        if (s.hasPath("name") && s.getValue("name").valueType() != ConfigValueType.STRING) {
            problems.add(Problem.at(s.getValue("name").origin(), "suite.name", "expected a name (a string)"));
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
                        .withValue("weighting.type", ConfigValueFactory.fromAnyRef(method)));
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
