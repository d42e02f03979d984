package dev.meta4j.runtime.cli;

import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.plugin.PluginRegistry;
import dev.meta4j.runtime.suite.CellRun;
import dev.meta4j.runtime.suite.LocalExecutor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code meta4j cell-worker}: the process of a local executor's worker. It runs the cells named on
 * its standard input one after another, each exactly as {@code meta4j run --config CELL --run-dir
 * DIR [overrides]} would ({@link CellRun}), and after each prints {@link LocalExecutor#END_OF_CELL}
 * and the cell's exit code, so that the executor can route the output to the cell's console log and
 * hand out the next cell. One process for many cells pays the JVM's start, the engine's load and the
 * JIT's warm-up once, as the inline executor does, instead of once a cell.
 *
 * <p>Input lines are tab-separated: the cell's config file, its run folder, then overrides. End of
 * input ends the worker. A signal stops the current run after a checkpoint and ends the worker with
 * 128 + the signal, as it ends {@code run}.
 */
@Command(name = "cell-worker", hidden = true,
        description = "Internal: runs suite cells named on standard input (config<TAB>run-dir[<TAB>KEY=VALUE]...),"
                + " one after another; the local executor's worker process.")
final class CellWorkerCommand implements Callable<Integer> {

    @Mixin PluginOptions plugins;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PluginRegistry registry = plugins.registry();
        ConfigLoader loader = new ConfigLoader(registry);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) {
                continue;
            }
            List<String> words = Arrays.asList(line.split("\t"));
            int code;
            if (words.size() < 2) {
                err.println("error: expected CONFIG<TAB>RUN_DIR[<TAB>KEY=VALUE]..., got: " + line);
                code = Main.EXIT_CONFIG;
            } else {
                code = RunCommand.runCell(registry, loader, Path.of(words.get(0)), words.subList(2, words.size()),
                        Path.of(words.get(1)).toAbsolutePath().normalize(), out, err,
                        plugins.debug);
            }
            err.flush();
            out.println(LocalExecutor.END_OF_CELL + code);
            out.flush();
        }
        return 0;
    }
}
