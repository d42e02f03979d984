package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** Same config and seed on CPU: byte-identical metrics.jsonl. */
class DeterminismTest {

    private static String metrics(Path out, String name, String... extra) throws Exception {
        String[] base = {"run", "experiment.output-dir=" + out, "experiment.name=" + name, "experiment.steps=300",
            "experiment.eval-every=100", "experiment.log-every=10", "experiment.plots=false",
            "algorithm.eval-tasks=20"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        Cli cli = Cli.run(args);
        assertEquals(0, cli.exitCode(), cli.toString());
        return Files.readString(Cli.runFolder(out, name).resolve("metrics.jsonl"));
    }

    /** At every core (0, the default) and at one thread: a machine's core count must not matter to a rerun. */
    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {0, 1})
    void sameSeedSameMetrics(int threads, @TempDir Path tmp) throws Exception {
        String a = metrics(tmp, "a", "experiment.threads=" + threads);
        String b = metrics(tmp, "b", "experiment.threads=" + threads);
        assertEquals(a, b);
        String c = metrics(tmp, "c", "experiment.threads=" + threads, "experiment.seed=1");
        assertNotEquals(a, c, "a different seed should change the run");
    }
}
