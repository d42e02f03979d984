package dev.meta4j.runtime.cli;

import dev.meta4j.runtime.plugin.PluginRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where third-party plugin jars are looked for; shared by the commands. */
final class PluginOptions {

    @Option(names = "--plugins", paramLabel = "DIR",
            description = "A folder of plugin jars (repeatable). Always searched as well: "
                    + "$META4J_HOME/plugins and ./plugins.")
    List<Path> dirs = new ArrayList<>();

    @Option(names = "--stacktrace", description = "Print stack traces of errors.")
    boolean stacktrace;

    List<Path> all() {
        List<Path> out = new ArrayList<>(dirs);
        String home = System.getProperty("meta4j.home", System.getenv("META4J_HOME"));
        if (home != null && !home.isBlank()) {
            out.add(Path.of(home, "plugins"));
        }
        out.add(Path.of("plugins"));
        return out;
    }

    PluginRegistry registry() {
        return PluginRegistry.discover(all());
    }
}
