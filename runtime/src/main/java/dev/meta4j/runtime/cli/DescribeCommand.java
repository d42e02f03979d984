package dev.meta4j.runtime.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.meta4j.api.PluginFactory;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.Suggestions;
import dev.meta4j.runtime.plugin.PluginError;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code meta4j describe NAME}: a plugin's defaults, with their comments. */
@Command(name = "describe", mixinStandardHelpOptions = true,
        description = "Print a plugin's settings and defaults with their documentation "
                + "(or `experiment` for the experiment section, `suite` for a suite's executors).")
final class DescribeCommand implements Callable<Integer> {

    @Parameters(paramLabel = "NAME", description = "A plugin name, such as famo or maml, or `experiment` or `suite`.")
    String name;

    @Mixin PluginOptions plugins;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    private static final ConfigRenderOptions RENDER =
            ConfigRenderOptions.defaults().setOriginComments(false).setComments(true).setJson(false).setFormatted(true);

    @Override
    public Integer call() {
        PluginRegistry registry = plugins.registry();
        Config reference = new ConfigLoader(registry).reference();
        PrintWriter out = spec.commandLine().getOut();
        if (name.equals("experiment")) {
            out.println("experiment: the settings of a run (section `experiment { ... }`)");
            out.println();
            out.println(section("experiment", reference.getConfig("meta4j.experiment")));
            out.flush();
            return 0;
        }
        if (name.equals("suite")) {
            out.println("suite: where a suite's runs execute (the executor keys of its section `suite { ... }`;"
                    + " the grid is name, seeds, methods, method-key, method-overrides, single-task: `meta4j suite --help`)");
            out.println();
            out.println(section("suite", reference.getConfig("meta4j.suite")));
            out.flush();
            return 0;
        }
        List<Map.Entry<PluginKind, PluginFactory<?>>> found = registry.find(name);
        if (found.isEmpty()) {
            List<String> all = new ArrayList<>();
            for (PluginKind k : PluginKind.values()) {
                all.addAll(registry.all(k).keySet());
            }
            String hint = Suggestions.closest(name, all).map(s -> "; did you mean '" + s + "'?").orElse(".");
            throw new PluginError("no plugin named '" + name + "'" + hint + " See `meta4j list`.");
        }
        for (var e : found) {
            PluginKind kind = e.getKey();
            PluginFactory<?> f = e.getValue();
            out.println(kind.section() + " '" + name + "': " + f.summary());
            out.println("  from " + PluginRegistry.describe(f));
            out.println();
            String path = kind.defaultsPath(name);
            Config defaults = reference.hasPath(path) ? reference.getConfig(path) : ConfigFactory.empty();
            Config withType = defaults.withFallback(ConfigFactory.parseString("type = \"" + name + "\""));
            out.println(section(kind.section(), withType));
            out.println();
        }
        out.flush();
        return 0;
    }

    /**
     * A section's defaults under its name. Typesafe Config renders the root object without braces
     * and a nested one (a suite's {@code local}, a plugin's sub-plugin slot) indented, with its
     * closing brace: those lines are kept as they are, so that nesting shows.
     */
    private static String section(String name, Config c) {
        List<String> lines = new ArrayList<>(List.of(c.root().render(RENDER).strip().split("\n")));
        boolean braced = lines.size() >= 2 && lines.get(0).strip().equals("{") && lines.get(lines.size() - 1).strip().equals("}");
        if (braced) {
            lines = lines.subList(1, lines.size() - 1);
        }
        StringBuilder sb = new StringBuilder(name).append(" {\n");
        for (String line : lines) {
            sb.append("  ").append(braced && line.startsWith("    ") ? line.substring(4) : line).append('\n');
        }
        return sb.append("}").toString();
    }
}
