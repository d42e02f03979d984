package dev.meta4j.runtime.suite;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.runtime.config.ConfigError.Problem;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.Suggestions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a suite's runs execute: the keys {@code executor}, {@code command}, {@code local} and
 * {@code slurm} of its {@code suite} section, validated against and merged over the defaults in
 * the runtime's {@code reference.conf} ({@code meta4j.suite}, which {@code meta4j describe suite}
 * prints), like a plugin's settings: every problem names the key, the file and the line.
 */
public final class ExecutorSettings {

    /** The executors, by name. */
    public static final List<String> EXECUTORS = List.of("inline", "local", "slurm");

    /** The keys of the {@code suite} section that these settings own. */
    static final List<String> KEYS = List.of("executor", "command", "local", "slurm");

    private static final String DEFAULTS = "meta4j.suite";
    private static final Pattern DEVICE = Pattern.compile("cpu|cuda|cuda:\\d+");
    private static final Pattern ONE_WORD = Pattern.compile("\\S+");

    private final Config settings;

    private ExecutorSettings(Config settings) {
        this.settings = settings;
    }

    /**
     * The settings of a suite section.
     *
     * @param suite the {@code suite} section as written, overrides applied
     * @param reference every default ({@link ConfigLoader#reference()})
     * @param executor the {@code --executor} option, or null
     * @return the settings
     * @throws ConfigError naming every problem
     */
    public static ExecutorSettings of(Config suite, Config reference, String executor) {
        Config defaults = reference.getConfig(DEFAULTS);
        List<Problem> problems = new ArrayList<>();
        ConfigObject given = suite.root();
        for (String key : new ArrayList<>(given.keySet())) {
            if (!KEYS.contains(key)) {
                given = given.withoutKey(key); // the grid's keys: SuitePlan checks them
            }
        }
        Config merged = ConfigLoader.checked(given, defaults, "suite", problems);
        if (executor != null) {
            if (!EXECUTORS.contains(executor)) {
                String hint = Suggestions.closest(executor, EXECUTORS).map(s -> "; did you mean '" + s + "'?").orElse(".");
                problems.add(new Problem("command line", "--executor", "unknown executor '" + executor + "'" + hint
                        + " Executors: " + String.join(", ", EXECUTORS)));
            } else {
                merged = merged.withValue("executor", ConfigValueFactory.fromAnyRef(executor, "command line option --executor"));
            }
        }
        if (problems.isEmpty()) {
            checkValues(merged, problems);
        }
        if (!problems.isEmpty()) {
            throw new ConfigError(problems);
        }
        return new ExecutorSettings(merged);
    }

    /** What the declarations cannot say: words, lists of names, sbatch options. */
    private static void checkValues(Config c, List<Problem> problems) {
        ConfigValue command = raw(c, "command");
        if (command.valueType() == ConfigValueType.STRING) {
            // one word: the path of a launcher
        } else if (command.valueType() == ConfigValueType.LIST) {
            ConfigList words = (ConfigList) command;
            if (words.isEmpty() || words.stream().anyMatch(w -> w.valueType() != ConfigValueType.STRING)) {
                problems.add(Problem.at(command.origin(), "suite.command",
                        "expected the command as a list of words, such as [\"/opt/meta4j/bin/meta4j\"]"));
            }
        } else if (command.valueType() != ConfigValueType.NULL) {
            problems.add(Problem.at(command.origin(), "suite.command",
                    "expected the command as a list of words, such as [\"/opt/meta4j/bin/meta4j\"]"));
        }
        ConfigValue devices = raw(c, "local.devices");
        for (ConfigValue d : (ConfigList) devices) {
            if (d.valueType() != ConfigValueType.STRING || !DEVICE.matcher((String) d.unwrapped()).matches()) {
                problems.add(Problem.at(d.origin(), "suite.local.devices", "expected devices such as [\"cuda:0\", \"cuda:1\"]"
                        + " (cpu, cuda or cuda:N), got " + d.render(ConfigRenderOptions.concise())));
            }
        }
        for (String key : List.of("partition", "account", "time", "gres", "mem")) {
            ConfigValue v = raw(c, "slurm." + key);
            if (v.valueType() == ConfigValueType.NULL) {
                continue;
            }
            String text = String.valueOf(v.unwrapped());
            if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST
                    || !ONE_WORD.matcher(text).matches()) {
                problems.add(Problem.at(v.origin(), "suite.slurm." + key, "expected one word (it becomes the line"
                        + " #SBATCH --" + key + "=VALUE), got " + v.render(ConfigRenderOptions.concise())));
            }
        }
        for (ConfigValue e : (ConfigList) raw(c, "slurm.extra")) {
            String text = String.valueOf(e.unwrapped());
            if (e.valueType() != ConfigValueType.STRING || !text.startsWith("-") || text.contains("\n")) {
                problems.add(Problem.at(e.origin(), "suite.slurm.extra", "expected sbatch options such as"
                        + " [\"--qos=normal\"], each written after #SBATCH as it is; got "
                        + e.render(ConfigRenderOptions.concise())));
            }
        }
    }

    /**
     * Reads settings written by {@link #render()} into a suite's folder.
     *
     * @param hocon the text
     * @param reference every default, for keys that a newer version added
     * @return the settings
     */
    public static ExecutorSettings parse(String hocon, Config reference) {
        return new ExecutorSettings(ConfigFactory.parseString(hocon).withFallback(reference.getConfig(DEFAULTS)));
    }

    /** A value by its dotted path, null values included (which {@code Config.getValue} refuses). */
    private static ConfigValue raw(Config c, String path) {
        ConfigValue v = c.root();
        for (String part : path.split("\\.")) {
            v = ((ConfigObject) v).get(part);
        }
        return v;
    }

    /** @return the settings as HOCON, for the suite's folder */
    public String render() {
        return settings.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setComments(false)
                .setJson(false));
    }

    /**
     * The same settings with another executor.
     *
     * @param name the executor, one of {@link #EXECUTORS}
     * @return the settings
     * @throws ConfigError for an unknown name
     */
    public ExecutorSettings withExecutor(String name) {
        if (!EXECUTORS.contains(name)) {
            throw new ConfigError(new Problem("command line", "--executor", "unknown executor '" + name
                    + "'; executors: " + String.join(", ", EXECUTORS)));
        }
        return new ExecutorSettings(settings.withValue("executor", ConfigValueFactory.fromAnyRef(name)));
    }

    /** @return the executor's name */
    public String executor() {
        return settings.getString("executor");
    }

    /** @return the command workers and jobs run, if one is configured */
    public Optional<List<String>> command() {
        ConfigValue v = raw(settings, "command");
        return switch (v.valueType()) {
            case STRING -> Optional.of(List.of((String) v.unwrapped()));
            case LIST -> Optional.of(settings.getStringList("command"));
            default -> Optional.empty();
        };
    }

    /**
     * The local executor's settings.
     *
     * @param workers runs at the same time
     * @param devices the devices the workers take in turn (empty: each run's own)
     * @param threads threads per worker (0: the cores divided by the workers)
     * @param cellsPerWorker cells a worker runs before a fresh process replaces it (0: no limit)
     */
    public record Local(int workers, List<String> devices, int threads, int cellsPerWorker) {}

    /** @return the local executor's settings */
    public Local local() {
        Config l = settings.getConfig("local");
        return new Local(l.getInt("workers"), l.getStringList("devices"), l.getInt("threads"),
                l.getInt("cells-per-worker"));
    }

    /**
     * The Slurm executor's settings; a null string leaves sbatch's default.
     *
     * @param partition {@code --partition}
     * @param account {@code --account}
     * @param time {@code --time}
     * @param cpusPerTask {@code --cpus-per-task}
     * @param gres {@code --gres}
     * @param mem {@code --mem}
     * @param maxConcurrent the array's {@code %N} (0: none)
     * @param extra more {@code #SBATCH} options
     * @param requeue {@code --requeue}
     * @param signalSeconds {@code --signal=B:TERM@N} (0: none)
     * @param collect whether a dependent job builds the table
     */
    public record Slurm(String partition, String account, String time, int cpusPerTask, String gres, String mem,
            int maxConcurrent, List<String> extra, boolean requeue, int signalSeconds, boolean collect) {}

    /** @return the Slurm executor's settings */
    public Slurm slurm() {
        Config s = settings.getConfig("slurm");
        return new Slurm(word(s, "partition"), word(s, "account"), word(s, "time"), s.getInt("cpus-per-task"),
                word(s, "gres"), word(s, "mem"), s.getInt("max-concurrent"), s.getStringList("extra"),
                s.getBoolean("requeue"), s.getInt("signal-seconds"), s.getBoolean("collect"));
    }

    private static String word(Config c, String key) {
        ConfigValue v = raw(c, key);
        return v.valueType() == ConfigValueType.NULL ? null : String.valueOf(v.unwrapped());
    }
}
