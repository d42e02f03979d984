package dev.meta4j.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.meta4j.api.PluginFactory;
import dev.meta4j.runtime.cli.Main;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.Declaration;
import dev.meta4j.runtime.plugin.PluginError;
import dev.meta4j.runtime.plugin.PluginKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Checks that a plugin will be found and described by meta4j once its jar is in {@code plugins/}.
 *
 * <pre>{@code
 * @Test
 * void isDiscoverableAndDescribed() {
 *     String describe = PluginChecks.assertDiscoverable(WeightingFactory.class, "gls");
 *     assertTrue(describe.contains("eps"));
 * }
 * }</pre>
 */
public final class PluginChecks {

    private PluginChecks() {}

    /**
     * Asserts that {@link ServiceLoader} finds a factory of the kind with the name on the test's
     * classpath, that the runtime's discovery accepts it (its name's form, no second plugin with
     * that name), that its summary is one non-blank line, that its {@code reference.conf} has a
     * defaults section {@code meta4j.<kind>.<name>} in which every key has a doc comment and a
     * default that satisfies its own {@code @int}/{@code @range}/{@code @oneof} declaration, and
     * that {@code meta4j list} and {@code meta4j describe NAME} (the real commands, run in this
     * JVM) show it.
     *
     * @param kind the factory interface, such as {@code WeightingFactory.class}
     * @param name the plugin's name
     * @return what {@code meta4j describe NAME} prints, for further assertions
     * @throws AssertionError listing every problem found
     */
    public static String assertDiscoverable(Class<? extends PluginFactory<?>> kind, String name) {
        PluginKind k = Kinds.of(kind);
        PluginFactory<?> factory = loadPlainly(k, name);
        try {
            Kinds.registry();
        } catch (PluginError e) {
            throw new AssertionError("meta4j's discovery would refuse to start: " + e.getMessage(), e);
        }

        List<String> problems = new ArrayList<>();
        String summary = factory.summary();
        if (summary == null || summary.isBlank() || summary.contains("\n")) {
            problems.add("summary() must be one non-blank line for `meta4j list`, got " + quoted(summary));
        }
        problems.addAll(defaultsProblems(k, name));

        Cli list = Cli.run("list");
        if (list.code != 0 || !list.out.lines().anyMatch(l -> l.strip().startsWith(name + " ") && summary != null
                && l.contains(summary.strip()))) {
            problems.add("`meta4j list` does not show '" + name + "' with its summary:\n" + list);
        }
        Cli describe = Cli.run("describe", name);
        String heading = k.section() + " '" + name + "': " + summary;
        if (describe.code != 0 || !describe.out.contains(heading)) {
            problems.add("`meta4j describe " + name + "` does not start with \"" + heading + "\":\n" + describe);
        } else {
            for (String key : defaultKeys(k, name)) {
                if (!describe.out.contains(key)) {
                    problems.add("`meta4j describe " + name + "` does not show the key '" + key + "':\n" + describe);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(k.section() + " plugin '" + name + "' (" + factory.getClass().getName() + "): "
                    + problems.size() + " problem(s):\n  - " + String.join("\n  - ", problems));
        }
        return describe.out;
    }

    /** The factory exactly as {@link ServiceLoader} sees it, without the runtime in between. */
    private static PluginFactory<?> loadPlainly(PluginKind kind, String name) {
        List<String> found = new ArrayList<>();
        try {
            for (PluginFactory<?> f : ServiceLoader.load(kind.factoryType(), Thread.currentThread().getContextClassLoader())) {
                if (name.equals(f.name())) {
                    return f;
                }
                found.add(f.name());
            }
        } catch (ServiceConfigurationError e) {
            throw new AssertionError("ServiceLoader cannot load a " + kind.factoryType().getName() + ": " + e.getMessage()
                    + ". A factory must be a public class with a public no-argument constructor that implements "
                    + kind.factoryType().getSimpleName(), e);
        }
        throw new AssertionError(Kinds.notRegistered(kind, name, found));
    }

    /** The documentation and declaration problems of a plugin's defaults section, as the runtime reads it. */
    private static List<String> defaultsProblems(PluginKind kind, String name) {
        List<String> problems = new ArrayList<>();
        Config reference = new ConfigLoader(Kinds.registry()).reference();
        String path = kind.defaultsPath(name);
        if (!reference.hasPath(path)) {
            problems.add("no defaults section " + path + " in any reference.conf on the classpath (write `" + name
                    + " {}` under meta4j." + kind.section() + " if it takes no settings)");
            return problems;
        }
        check(kind.section() + "." + name, reference.getConfig(path).root(), problems);
        return problems;
    }

    private static List<String> defaultKeys(PluginKind kind, String name) {
        Config reference = new ConfigLoader(Kinds.registry()).reference();
        String path = kind.defaultsPath(name);
        return reference.hasPath(path) ? new ArrayList<>(reference.getConfig(path).root().keySet()) : List.of();
    }

    private static void check(String path, ConfigObject section, List<String> problems) {
        for (Map.Entry<String, ConfigValue> e : section.entrySet()) {
            String key = path + "." + e.getKey();
            ConfigValue v = e.getValue();
            if (v.origin().comments().stream().allMatch(String::isBlank)) {
                problems.add(key + " (" + v.origin().description() + "): no comment above it documents it");
            }
            try {
                Declaration.of(v).problem(v).ifPresent(m -> problems.add(key + ": the default " + m));
            } catch (RuntimeException ex) {
                problems.add(key + ": malformed @range/@oneof: " + ex.getMessage());
            }
            if (v.valueType() == ConfigValueType.OBJECT) {
                check(key, (ConfigObject) v, problems);
            }
        }
    }

    private static String quoted(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }

    /** One command of the real CLI, run in this JVM. */
    private record Cli(int code, String out, String err) {
        static Cli run(String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
            return new Cli(code, out.toString(), err.toString());
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
