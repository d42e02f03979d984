package dev.meta4j.distribution;

import dev.meta4j.runtime.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Runs the meta4j command line in this JVM and captures what it prints. */
record Cli(int exitCode, String out, String err) {

    static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Cli(code, out.toString(), err.toString());
    }

    /** The only run folder under {@code outputDir/name}. */
    static Path runFolder(Path outputDir, String name) throws IOException {
        try (Stream<Path> s = Files.list(outputDir.resolve(name))) {
            return s.filter(Files::isDirectory).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
    }
}
