package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad configs fail before any work, naming the key, the file and line, and the closest valid name. */
class ConfigErrorsTest {

    @TempDir Path tmp;

    private Path write(String text) throws Exception {
        Path f = tmp.resolve("bad.conf");
        Files.writeString(f, text);
        return f;
    }

    private static final String GOOD = """
            experiment { name = t, steps = 10 }
            algorithm { type = maml }
            dataset { type = sine }
            model { type = mlp }
            """;

    @Test
    void misspelledKeyNamesFileLineAndSuggestion() throws Exception {
        Path f = write("""
                experiment { name = t, steps = 10 }
                algorithm {
                  type = maml
                  inner-lrr = 0.1
                }
                dataset { type = sine }
                model { type = mlp }
                """);
        for (String command : new String[] {"run", "validate"}) {
            Cli cli = Cli.run(command, "--config", f.toString(), "experiment.output-dir=" + tmp);
            assertEquals(2, cli.exitCode(), cli.toString());
            assertTrue(cli.err().contains(f + ":4"), cli.err());
            assertTrue(cli.err().contains("algorithm.inner-lrr"), cli.err());
            assertTrue(cli.err().contains("did you mean 'inner-lr'?"), cli.err());
        }
        assertTrue(Files.notExists(tmp.resolve("t")), "no run folder may be created for an invalid config");
    }

    @Test
    void everyProblemIsReportedAtOnce() throws Exception {
        Path f = write("""
                experiment { name = t, stpes = 10 }
                algorithm { type = maml, inner-steps = "three", inner-lr = -1 }
                dataset { type = sine, shots = 2.5 }
                model { type = mpl }
                optimiser { type = adam }
                """);
        Cli cli = Cli.run("validate", "--config", f.toString());
        assertEquals(2, cli.exitCode(), cli.toString());
        String e = cli.err();
        assertTrue(e.contains("6 configuration errors"), e);
        assertTrue(e.contains("bad.conf:1: experiment.stpes: unknown key; did you mean 'steps'?"), e);
        assertTrue(e.contains("bad.conf:2: algorithm.inner-steps: expected a number, got 'three'"), e);
        assertTrue(e.contains("bad.conf:2: algorithm.inner-lr: -1 is out of range (0, inf)"), e);
        assertTrue(e.contains("bad.conf:3: dataset.shots: expected a whole number, got 2.5"), e);
        assertTrue(e.contains("bad.conf:4: model.type: no model plugin named 'mpl'; did you mean 'mlp'?"), e);
        assertTrue(e.contains("bad.conf:5: optimiser: unknown section; did you mean 'optimizer'?"), e);
    }

    @Test
    void commandLineOverridesAreCheckedToo() throws Exception {
        Path f = write(GOOD);
        Cli cli = Cli.run("validate", "--config", f.toString(), "algorithm.first-ordr=true");
        assertEquals(2, cli.exitCode(), cli.toString());
        assertTrue(cli.err().contains("command line argument 'algorithm.first-ordr=true'"), cli.err());
        assertTrue(cli.err().contains("did you mean 'first-order'?"), cli.err());
        Cli bad = Cli.run("validate", "--config", f.toString(), "seed");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("expected key=value"), bad.err());
    }

    @Test
    void oneOfAndMissingFilesAndSyntax() throws Exception {
        Path f = write(GOOD + "scheduler { type = step, unit = epoch }\n");
        Cli cli = Cli.run("validate", "--config", f.toString());
        assertEquals(2, cli.exitCode());
        assertTrue(cli.err().contains("'epoch' is not one of steps, epochs; did you mean 'epochs'?"), cli.err());

        Cli missing = Cli.run("validate", "--config", tmp.resolve("nope.conf").toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("nope.conf") && missing.err().contains("no such file"), missing.err());

        Path broken = write("algorithm { type = maml\n");
        Cli syntax = Cli.run("validate", "--config", broken.toString());
        assertEquals(2, syntax.exitCode());
        assertTrue(syntax.err().contains("bad.conf"), syntax.err());
    }

    @Test
    void validConfigAndIncludes() throws Exception {
        Files.writeString(tmp.resolve("base.conf"), GOOD);
        Path f = tmp.resolve("derived.conf");
        Files.writeString(f, "include \"base.conf\"\nalgorithm { inner-steps = 3 }\n");
        Cli cli = Cli.run("validate", "--config", f.toString(), "--print");
        assertEquals(0, cli.exitCode(), cli.toString());
        assertTrue(cli.out().contains("inner-steps=3"), cli.out());
        assertTrue(cli.out().contains("meta-batch=25"), "defaults are filled in: " + cli.out());
    }

    @Test
    void switchingATypeDropsTheOldPluginsSettings() throws Exception {
        Path f = write(GOOD + "optimizer { type = adam, beta1 = 0.8 }\n");
        Cli sgd = Cli.run("validate", "--config", f.toString(), "optimizer.type=sgd", "--print");
        assertEquals(0, sgd.exitCode(), sgd.toString());
        assertTrue(sgd.out().contains("momentum=0") && !sgd.out().contains("beta1"), sgd.out());
        Cli same = Cli.run("validate", "--config", f.toString(), "optimizer.type=adam", "--print");
        assertTrue(same.out().contains("beta1=0.8"), "same type: the file's settings stay: " + same.out());
    }

    @Test
    void aSuiteConfigGivenToRunPointsAtTheSuiteCommand() {
        Cli cli = Cli.run("run", "--config", "suite-multifashion.conf");
        assertEquals(2, cli.exitCode(), cli.toString());
        assertTrue(cli.err().contains("meta4j suite --config suite-multifashion.conf"), cli.err());
    }

    @Test
    void cudaWithoutAGpuFailsAtOnceWithAHint() throws Exception {
        Path f = write(GOOD);
        Cli cli = Cli.run("run", "--config", f.toString(), "experiment.device=cuda", "experiment.output-dir=" + tmp);
        assertEquals(2, cli.exitCode(), cli.toString());
        assertTrue(cli.err().contains("experiment.device") && cli.err().contains("-Pcuda"), cli.err());
    }
}
