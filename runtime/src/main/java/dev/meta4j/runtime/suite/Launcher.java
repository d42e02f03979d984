package dev.meta4j.runtime.suite;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command that starts meta4j in another process (a local worker, a Slurm job): the configured
 * {@code suite.command}, else this installation's {@code bin/meta4j} (the launcher sets {@code
 * meta4j.home}), else this Java with this class path, as in a test or an IDE.
 *
 * @param words the command's words, before meta4j's own arguments
 */
public record Launcher(List<String> words) {

    /** JVM options passed on to a class-path child: heap size and meta4j's and DJL's properties. */
    private static final List<String> KEPT_OPTIONS = List.of("-Xmx", "-Xss", "-Dai.djl.", "-DDJL_", "-Dmeta4j.");

    /** Copies the list. */
    public Launcher {
        words = List.copyOf(words);
    }

    /**
     * The launcher for a suite's settings.
     *
     * @param settings the executor settings
     * @return their {@code command}, or this process's own
     */
    public static Launcher of(ExecutorSettings settings) {
        return settings.command().map(Launcher::new).orElseGet(Launcher::current);
    }

    /** @return the command that started this process, as near as can be told */
    public static Launcher current() {
        String home = System.getProperty("meta4j.home");
        if (home != null && Files.isExecutable(Path.of(home, "bin", "meta4j"))) {
            return new Launcher(List.of(Path.of(home, "bin", "meta4j").toAbsolutePath().normalize().toString()));
        }
        List<String> w = new ArrayList<>();
        w.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (KEPT_OPTIONS.stream().anyMatch(arg::startsWith)) {
                w.add(arg);
            }
        }
        for (String property : List.of("ai.djl.offline", "DJL_CACHE_DIR")) {
            String v = System.getProperty(property);
            if (v != null && w.stream().noneMatch(a -> a.startsWith("-D" + property + "="))) {
                w.add("-D" + property + "=" + v);
            }
        }
        w.add("-Djava.awt.headless=true");
        w.add("-cp");
        w.add(System.getProperty("java.class.path"));
        w.add("dev.meta4j.runtime.cli.Main");
        return new Launcher(w);
    }

    /**
     * The command line of a cell's run: {@code meta4j run --config CELL.conf --run-dir DIR [overrides]}.
     *
     * @param config the cell's resolved config
     * @param dir its run folder
     * @param overrides placement overrides ({@code experiment.threads=2})
     * @return the words
     */
    public List<String> cell(Path config, Path dir, List<String> overrides) {
        List<String> out = new ArrayList<>(words);
        out.addAll(List.of("run", "--config", config.toString(), "--run-dir", dir.toString()));
        out.addAll(overrides);
        return out;
    }

    /**
     * The command line of a local executor's worker process, which reads the cells to run on its
     * standard input: {@code meta4j cell-worker}.
     *
     * @return the words
     */
    public List<String> worker() {
        List<String> out = new ArrayList<>(words);
        out.add("cell-worker");
        return out;
    }
}
