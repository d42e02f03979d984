package dev.meta4j.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.meta4j.runtime.config.ConfigError.Problem;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Composes an experiment config and validates it before any work starts.
 *
 * <p>Later wins: each plugin's defaults ({@code meta4j.<kind>.<name>} in the {@code
 * reference.conf} files of all jars) &larr; the config file and its includes &larr; {@code
 * key=value} overrides from the command line. An override that switches a section's {@code type}
 * also drops the file's settings of that section, which belonged to the other plugin. Every problem found is reported at once, each with
 * its key, file and line, and the closest valid key or name.
 */
public final class ConfigLoader {

    /** Where bundled example configs live on the classpath: {@code meta4j/conf/<file>}. */
    public static final String BUNDLED_PREFIX = "meta4j/conf/";

    private static final Set<String> BASE_SECTIONS;

    static {
        Set<String> s = new LinkedHashSet<>();
        s.add("experiment");
        for (PluginKind k : PluginKind.values()) {
            s.add(k.section());
        }
        s.add("vars");
        BASE_SECTIONS = Set.copyOf(s);
    }

    private final PluginRegistry registry;
    private final Config reference;

    /**
     * Creates a loader over the plugins of a registry.
     *
     * @param registry the plugins, whose jars' {@code reference.conf} hold the defaults
     */
    public ConfigLoader(PluginRegistry registry) {
        this.registry = registry;
        this.reference = ConfigFactory.defaultReference(registry.classLoader());
    }

    /**
     * Every default of every plugin and of the experiment ({@code meta4j.*}).
     *
     * @return the merged {@code reference.conf} files
     */
    public Config reference() {
        return reference;
    }

    /**
     * Reads a config file: a path, {@code classpath:RESOURCE}, or the name of a bundled example
     * config (such as {@code famo-multifashion.conf}) when no such file exists.
     *
     * @param source where to read
     * @return the parsed, unresolved config
     * @throws ConfigError if it cannot be found or parsed
     */
    public Config parse(String source) {
        Includes includes = new Includes(registry.classLoader(), BUNDLED_PREFIX);
        try {
            if (source.startsWith("classpath:")) {
                return includes.parseResource(source.substring("classpath:".length()));
            }
            Path p = Path.of(source);
            if (Files.isRegularFile(p)) {
                return includes.parseFile(p);
            }
            if (registry.classLoader().getResource(BUNDLED_PREFIX + source) != null) {
                return includes.parseResource(BUNDLED_PREFIX + source);
            }
            List<String> bundled = BundledConfigs.names(registry.classLoader(), BUNDLED_PREFIX);
            String hint = Suggestions.closest(p.getFileName() == null ? source : p.getFileName().toString(), bundled)
                    .map(s -> "; did you mean '" + s + "'?").orElse(".");
            throw new ConfigError(new Problem(source, "--config",
                    "no such file" + (Files.exists(p) ? " (it is a folder)" : "") + ", and no bundled example config of that name"
                            + hint + (bundled.isEmpty() ? "" : " Bundled: " + String.join(", ", bundled))));
        } catch (ConfigException e) {
            throw new ConfigError(Problem.at(e.origin(), "(syntax)", SyntaxMessages.explain(e, stripOrigin(e))));
        }
    }

    /**
     * Parses {@code key=value} overrides, in order (later wins).
     *
     * @param overrides the arguments
     * @return them as one config
     * @throws ConfigError for an argument that is not {@code key=value}
     */
    public static Config overrides(List<String> overrides) {
        Config c = ConfigFactory.empty();
        for (String arg : overrides) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new ConfigError(new Problem("command line", arg, "expected key=value, such as experiment.seed=3"));
            }
            ConfigParseOptions o = ConfigParseOptions.defaults().setOriginDescription("command line argument '" + arg + "'");
            Config parsed;
            try {
                parsed = ConfigFactory.parseString(arg, o);
            } catch (ConfigException e) {
                // A plain word that is not HOCON, such as cuda:0 or a Windows path, is meant as a string.
                try {
                    parsed = ConfigFactory.parseString(arg.substring(0, eq) + "=" + ConfigUtil.quoteString(arg.substring(eq + 1)), o);
                } catch (ConfigException notAKey) {
                    throw new ConfigError(new Problem("command line", arg, stripOrigin(e)));
                }
            }
            c = parsed.withFallback(c);
        }
        return c;
    }

    /**
     * Merges, resolves and validates.
     *
     * @param file the parsed config file (or an empty config)
     * @param overrides command-line overrides, applied last
     * @param extraSections top-level sections that other commands own (such as {@code suite})
     * @return the validated config
     * @throws ConfigError listing every problem
     */
    public ExperimentConfig load(Config file, Config overrides, Set<String> extraSections) {
        Config user;
        try {
            user = overrides.withFallback(withoutSwitchedSections(file, overrides)).resolve(ConfigResolveOptions.defaults());
        } catch (ConfigException e) {
            throw new ConfigError(Problem.at(e.origin(), "(substitution)", stripOrigin(e)));
        }
        List<Problem> problems = new ArrayList<>();
        Set<String> sections = new LinkedHashSet<>(BASE_SECTIONS);
        sections.addAll(extraSections);
        for (String key : user.root().keySet()) {
            if (!sections.contains(key)) {
                problems.add(Problem.at(user.root().get(key).origin(), key,
                        "unknown section" + suggestion(key, sections) + " Sections: " + String.join(", ", sections)));
            }
        }

        Config experiment = section(user, "experiment", reference.getConfig("meta4j.experiment"), problems);
        Map<PluginKind, PluginChoice> plugins = new EnumMap<>(PluginKind.class);
        for (PluginKind kind : PluginKind.values()) {
            PluginChoice choice = choose(user, kind, problems);
            if (choice != null) {
                plugins.put(kind, choice);
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigError(problems);
        }
        return new ExperimentConfig(experiment, plugins, user, file.root().origin());
    }

    /**
     * A section's settings belong to its plugin: when the overrides switch a section to another
     * {@code type}, the file's settings of that section (for the old plugin) are dropped, so that
     * {@code weighting.type=dwa} works on a config written for famo.
     */
    private static Config withoutSwitchedSections(Config file, Config overrides) {
        Config out = file;
        for (PluginKind kind : PluginKind.values()) {
            String type = kind.section() + ".type";
            if (overrides.hasPath(type) && file.hasPath(type)
                    && !overrides.getValue(type).unwrapped().equals(file.getValue(type).unwrapped())) {
                out = out.withoutPath(kind.section());
            }
        }
        return out;
    }

    private PluginChoice choose(Config user, PluginKind kind, List<Problem> problems) {
        String sectionName = kind.section();
        String implied = reference.hasPath("meta4j.implied-type." + sectionName)
                ? reference.getString("meta4j.implied-type." + sectionName) : null;
        ConfigValue sectionValue = user.hasPath(sectionName) ? user.getValue(sectionName) : null;
        if (sectionValue != null && sectionValue.valueType() != ConfigValueType.OBJECT) {
            problems.add(Problem.at(sectionValue.origin(), sectionName, "expected a section { type = ..., ... }"));
            return null;
        }
        Config section = sectionValue == null ? ConfigFactory.empty() : ((ConfigObject) sectionValue).toConfig();
        String name;
        ConfigOrigin origin;
        if (section.hasPath("type")) {
            ConfigValue t = section.getValue("type");
            if (t.valueType() != ConfigValueType.STRING) {
                problems.add(Problem.at(t.origin(), sectionName + ".type", "expected a plugin name"));
                return null;
            }
            name = (String) t.unwrapped();
            origin = t.origin();
        } else if (implied != null) {
            name = implied;
            origin = reference.getValue("meta4j.implied-type." + sectionName).origin();
        } else if (sectionValue != null) {
            problems.add(Problem.at(sectionValue.origin(), sectionName + ".type",
                    "missing: which " + sectionName + " plugin? Known: " + String.join(", ", registry.all(kind).keySet())));
            return null;
        } else {
            return null; // absent and optional here; the algorithm says if it needs one
        }
        if (!registry.all(kind).containsKey(name)) {
            problems.add(Problem.at(origin, sectionName + ".type", registry.unknownMessage(kind, name)));
            return null;
        }
        String defaultsPath = kind.defaultsPath(name);
        Config defaults = reference.hasPath(defaultsPath) ? reference.getConfig(defaultsPath) : ConfigFactory.empty();
        Config settings = section(user, sectionName, defaults, problems).withoutPath("type");
        ConfigObject given = sectionValue == null ? null : (ConfigObject) sectionValue;
        Map<String, PluginKind> slots = new java.util.LinkedHashMap<>();
        settings = withSlots(settings, given, defaults, sectionName, slots, problems);
        return new PluginChoice(name, settings, origin, slots);
    }

    /**
     * Resolves a plugin's sub-plugin slots (settings declared {@code @plugin <kind>}, such as
     * Reptile's inner optimizer): each becomes the settings of the plugin its {@code type} names,
     * validated against that plugin's defaults like a section of its own. When the user switches
     * a slot to another type, the slot's defaults for the old type are dropped.
     */
    private Config withSlots(Config settings, ConfigObject given, Config defaults, String path,
            Map<String, PluginKind> slots, List<Problem> problems) {
        Config out = settings;
        for (Map.Entry<String, ConfigValue> e : defaults.root().entrySet()) {
            java.util.Optional<String> kindName = Declaration.of(e.getValue()).pluginKind();
            if (kindName.isEmpty()) {
                continue;
            }
            String key = e.getKey();
            String full = path + "." + key;
            PluginKind kind = PluginKind.forSection(kindName.get());
            if (kind == null) {
                problems.add(Problem.at(e.getValue().origin(), full, "declares '@plugin " + kindName.get()
                        + "', which is no plugin kind; kinds: " + java.util.Arrays.stream(PluginKind.values())
                        .map(PluginKind::section).toList()));
                continue;
            }
            if (e.getValue().valueType() != ConfigValueType.OBJECT
                    || !((ConfigObject) e.getValue()).containsKey("type")) {
                problems.add(Problem.at(e.getValue().origin(), full,
                        "a '@plugin' setting's default must be a section { type = ..., ... }"));
                continue;
            }
            ConfigObject slot = (ConfigObject) e.getValue();
            ConfigValue value = given == null ? null : given.get(key);
            if (value != null && value.valueType() != ConfigValueType.OBJECT) {
                problems.add(Problem.at(value.origin(), full, "expected a section { type = ..., ... } naming a "
                        + kind.section() + " plugin"));
                continue;
            }
            ConfigObject mine = (ConfigObject) value;
            ConfigValue typeValue = mine != null && mine.containsKey("type") ? mine.get("type") : slot.get("type");
            if (typeValue.valueType() != ConfigValueType.STRING) {
                problems.add(Problem.at(typeValue.origin(), full + ".type", "expected a " + kind.section() + " plugin name"));
                continue;
            }
            String type = (String) typeValue.unwrapped();
            if (!registry.all(kind).containsKey(type)) {
                problems.add(Problem.at(typeValue.origin(), full + ".type", registry.unknownMessage(kind, type)));
                continue;
            }
            String defaultsPath = kind.defaultsPath(type);
            Config pluginDefaults = reference.hasPath(defaultsPath) ? reference.getConfig(defaultsPath) : ConfigFactory.empty();
            boolean sameType = type.equals(slot.get("type").unwrapped());
            Config base = sameType ? slot.toConfig().withFallback(pluginDefaults) : pluginDefaults.withValue("type", typeValue);
            // Keys, types and ranges are the named plugin's own declarations, not the slot's values.
            ConfigObject declarations = pluginDefaults.withValue("type", slot.get("type")).root();
            if (sameType) {
                checkObject(slot, declarations, full, problems);
            }
            if (mine != null) {
                checkObject(mine, declarations, full, problems);
            }
            Config merged = mine == null ? base : mine.toConfig().withFallback(base);
            out = out.withValue(key, merged.root());
            slots.put(key, kind);
        }
        return out;
    }

    /** Validates a section against its defaults and merges it over them. */
    private static Config section(Config user, String name, Config defaults, List<Problem> problems) {
        if (!user.hasPath(name)) {
            return defaults;
        }
        ConfigValue v = user.getValue(name);
        if (v.valueType() != ConfigValueType.OBJECT) {
            problems.add(Problem.at(v.origin(), name, "expected a section { ... }"));
            return defaults;
        }
        ConfigObject obj = (ConfigObject) v;
        checkObject(obj, defaults.root(), name, problems);
        return obj.toConfig().withFallback(defaults);
    }

    /**
     * Validates settings that a command reads itself (a suite's executor keys) against their
     * declared defaults exactly as a plugin's section is validated (unknown keys with the closest
     * valid one, types, {@code @int}, {@code @range}, {@code @oneof}), and merges them over the
     * defaults.
     *
     * @param given the settings as written, or null for none
     * @param defaults the declared defaults, from a {@code reference.conf}
     * @param path the settings' full key, for the problems ({@code suite})
     * @param problems where each problem goes, with its file and line
     * @return the settings over their defaults
     */
    public static Config checked(ConfigObject given, Config defaults, String path, List<Problem> problems) {
        if (given == null) {
            return defaults;
        }
        checkObject(given, defaults.root(), path, problems);
        return given.toConfig().withFallback(defaults);
    }

    private static void checkObject(ConfigObject given, ConfigObject defaults, String path, List<Problem> problems) {
        for (Map.Entry<String, ConfigValue> e : given.entrySet()) {
            String key = e.getKey();
            String full = path + "." + key;
            ConfigValue value = e.getValue();
            if (key.equals("type") && path.indexOf('.') < 0) {
                continue;
            }
            ConfigValue def = defaults.get(key);
            if (def != null && Declaration.of(def).pluginKind().isPresent()) {
                continue; // a sub-plugin slot, validated against the plugin it names (withSlots)
            }
            if (def == null) {
                Set<String> valid = new java.util.TreeSet<>(defaults.keySet());
                String list = valid.isEmpty() ? " This plugin takes no settings." : " Valid keys: " + String.join(", ", valid) + ".";
                problems.add(Problem.at(value.origin(), full, "unknown key" + suggestion(key, valid) + list));
                continue;
            }
            Declaration.of(def).problem(value).ifPresent(m -> problems.add(Problem.at(value.origin(), full, m)));
            if (def.valueType() == ConfigValueType.OBJECT && value.valueType() == ConfigValueType.OBJECT) {
                checkObject((ConfigObject) value, (ConfigObject) def, full, problems);
            }
        }
    }

    private static String suggestion(String key, Set<String> valid) {
        return Suggestions.closest(key, valid).map(s -> "; did you mean '" + s + "'?").orElse(".");
    }

    private static String stripOrigin(ConfigException e) {
        String m = e.getMessage();
        if (e.origin() != null) {
            String prefix = e.origin().description() + ": ";
            if (m.startsWith(prefix)) {
                return m.substring(prefix.length());
            }
        }
        return m;
    }
}
