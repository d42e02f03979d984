package dev.meta4j.runtime.cli;

import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.runtime.experiment.Trainer;
import dev.meta4j.runtime.plugin.PluginError;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code meta4j}: the command line. */
@Command(
        name = "meta4j",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Meta-learning and multi-task loss weighting on DJL's PyTorch engine.",
        subcommands = {
            RunCommand.class,
            ListCommand.class,
            DescribeCommand.class,
            ValidateCommand.class,
            BenchCommand.class,
            SuiteCommand.class,
            ToyStudyCommand.class,
            CellWorkerCommand.class,
            MakeScenesCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    /** Exit code of a configuration or usage error. */
    public static final int EXIT_CONFIG = 2;
    /** Exit code of a failed run. */
    public static final int EXIT_FAILED = 1;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Runs the command line in this JVM.
     *
     * @param args the arguments
     * @return the exit code
     */
    public static int execute(String... args) {
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /**
     * Runs the command line with given output streams (for tests).
     *
     * @param out standard output
     * @param err standard error
     * @param args the arguments
     * @return the exit code
     */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) ->
                report(ex, err, PluginOptions.debug(parseResult)));
        return cl.execute(args);
    }

    /**
     * Says what went wrong on {@code err}, without a stack trace unless asked for, and picks the
     * exit code: a command's failure, or one cell's in a worker that goes on.
     *
     * @param ex what went wrong
     * @param err where to say it
     * @param trace whether to print the stack trace ({@code --debug})
     * @return the exit code
     */
    static int report(Exception ex, PrintWriter err, boolean trace) {
        if (ex instanceof Trainer.Interrupted stopped) {
            return stopped.exitCode(); // the trainer said where it stopped, on stderr and in run.log
        }
        int code;
        if (ex instanceof ConfigError) {
            err.println("error: " + ex.getMessage());
            code = EXIT_CONFIG;
        } else if (ex instanceof com.typesafe.config.ConfigException) {
            // A value a command read itself, with Typesafe's own message: file, line and key.
            err.println("error: invalid configuration: " + ex.getMessage());
            code = EXIT_CONFIG;
        } else if (ex instanceof PluginError || ex instanceof Trainer.TrainingFailed || ex instanceof IllegalArgumentException
                || ex instanceof IllegalStateException || ex instanceof java.io.IOException
                || ex instanceof java.io.UncheckedIOException) {
            err.println("error: " + ex.getMessage());
            code = ex instanceof PluginError ? EXIT_CONFIG : EXIT_FAILED;
        } else {
            err.println("error: " + ex + (trace ? "" : " (an internal error: rerun with --debug for the stack trace, and report it)"));
            code = EXIT_FAILED;
        }
        if (trace) {
            ex.printStackTrace(err);
        }
        return code;
    }

    /**
     * Entry point of {@code bin/meta4j}.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Prints the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"meta4j " + (v == null ? "(development build)" : v)};
        }
    }
}
