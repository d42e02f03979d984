package dev.meta4j.runtime.cli;

import dev.meta4j.runtime.plugin.PluginRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options every command shares: where third-party plugin jars are looked for, and {@code --debug}. */
final class PluginOptions {

    @Option(names = "--plugins", paramLabel = "DIR",
            description = "A folder of plugin jars (repeatable). Always searched as well: "
                    + "$META4J_HOME/plugins and ./plugins.")
    List<Path> dirs = new ArrayList<>();

    @Option(names = {"--debug", "--stacktrace"},
            description = "Print stack traces of errors, and the engine's own log lines (DJL, native loading).")
    boolean debug;

    /** Whether a parsed command line asked for {@code --debug}, at any level. */
    static boolean debug(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

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
        EngineLogging.verbose(debug);
        return PluginRegistry.discover(dirs, all());
    }
}
