package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `meta4j run` with no config runs MAML on sine and writes the whole run folder. */
class DefaultExperimentTest {

    @Test
    void defaultRunLearnsAndWritesItsFolder(@TempDir Path tmp) throws Exception {
        // The built-in experiment, shortened: 1,500 meta-steps already separate pre and post MSE.
        Cli cli = Cli.run("run", "experiment.output-dir=" + tmp, "experiment.steps=1500",
                "experiment.eval-every=500", "algorithm.eval-tasks=50");
        assertEquals(0, cli.exitCode(), cli.toString());
        assertTrue(cli.out().contains("mse-pre") && cli.out().contains("mse-post") && cli.out().contains("95% CI"),
                cli.out());
        Path run = Cli.runFolder(tmp, "maml-sine");
        for (String f : new String[] {"config.conf", "metrics.jsonl", "summary.json", "run.log",
                "checkpoints/last", "checkpoints/best", "training-curves.png", "adapted-fits.png"}) {
            assertTrue(Files.isRegularFile(run.resolve(f)) && Files.size(run.resolve(f)) > 0, "missing " + f);
        }
        JsonObject test = JsonParser.parseString(Files.readString(run.resolve("summary.json")))
                .getAsJsonObject().getAsJsonObject("test");
        double pre = test.get("mse-pre").getAsDouble();
        double post = test.get("mse-post").getAsDouble();
        double postCi = test.get("mse-post-ci95").getAsDouble();
        double preCi = test.get("mse-pre-ci95").getAsDouble();
        assertTrue(post + postCi < pre - preCi, "post-update MSE " + post + " ± " + postCi
                + " should be clearly below pre-update " + pre + " ± " + preCi);
        // the saved config is complete and runs as it is
        Cli again = Cli.run("validate", "--config", run.resolve("config.conf").toString());
        assertEquals(0, again.exitCode(), again.toString());
    }
}
