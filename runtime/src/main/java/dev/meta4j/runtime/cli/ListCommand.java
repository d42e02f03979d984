package dev.meta4j.runtime.cli;

import dev.meta4j.api.PluginFactory;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code meta4j list}: every plugin, by kind, with its summary. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List every plugin (built-in and from plugin folders) by kind, with its summary.")
final class ListCommand implements Callable<Integer> {

    @Mixin PluginOptions plugins;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PluginRegistry registry = plugins.registry();
        PrintWriter out = spec.commandLine().getOut();
        for (PluginKind kind : PluginKind.values()) {
            Map<String, PluginFactory<?>> all = registry.all(kind);
            out.println(kind.section() + " (" + all.size() + "):");
            int width = all.keySet().stream().mapToInt(String::length).max().orElse(0);
            for (var e : all.entrySet()) {
                out.println(String.format(Locale.ROOT, "  %-" + width + "s  %s", e.getKey(), e.getValue().summary()));
            }
            out.println();
        }
        out.flush();
        return 0;
    }
}
