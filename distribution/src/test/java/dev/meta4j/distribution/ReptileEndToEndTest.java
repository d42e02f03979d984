package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meta4j.datasets.OmniglotFixtures;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.engine.TorchEngine;
import dev.meta4j.runtime.experiment.Checkpoint;
import dev.meta4j.runtime.experiment.Experiment;
import dev.meta4j.runtime.experiment.RunFolder;
import dev.meta4j.runtime.experiment.Trainer;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reptile end to end through its bundled Omniglot config (shrunk) on the Omniglot fixture: the
 * inner optimizer comes from the config's {@code algorithm.inner-optimizer} section, its state is
 * in the checkpoint under the algorithm, and a run crashed between checkpoints and resumed
 * writes exactly the metrics of an uninterrupted one (the annealed outer step included).
 */
class ReptileEndToEndTest {

    @TempDir static Path data;

    private static List<String> args(Path out) {
        return List.of("experiment.output-dir=" + out, "dataset.root=" + data.resolve("omniglot"),
                "dataset.train-characters=30", "dataset.validation-characters=10", "dataset.queries=2",
                "dataset.train-shots=3", "experiment.steps=8", "experiment.eval-every=4", "experiment.checkpoint-every=2",
                "experiment.log-every=1", "experiment.plots=false", "experiment.threads=1", "model.channels=8",
                "algorithm.inner-iters=2", "algorithm.meta-batch=2", "algorithm.eval-inner-iters=3",
                "algorithm.eval-tasks=3", "algorithm.test-tasks=4", "algorithm.transductive=false");
    }

    @BeforeAll
    static void fixture() {
        OmniglotFixtures.write(data.resolve("omniglot"), 6, 10, 16, 7);
    }

    @Test
    void runsFromItsConfigCheckpointsTheInnerOptimizerAndResumesExactly(@TempDir Path tmp) throws Exception {
        List<String> cli = new ArrayList<>(List.of("run", "--config", "reptile-omniglot-5w1s.conf"));
        cli.addAll(args(tmp.resolve("whole")));
        Cli whole = Cli.run(cli.toArray(String[]::new));
        assertEquals(0, whole.exitCode(), whole.toString());
        Path folder = Cli.runFolder(tmp.resolve("whole"), "reptile-omniglot-5w1s");
        String expected = Files.readString(folder.resolve("metrics.jsonl"));
        assertTrue(expected.contains("\"meta-step\""), expected);
        JsonObject summary = JsonParser.parseString(Files.readString(folder.resolve("summary.json"))).getAsJsonObject();
        assertTrue(summary.getAsJsonObject("test").has("accuracy-post-ci95"), summary.toString());

        TorchEngine.get();
        try (NDManager m = NDManager.newBaseManager()) {
            var state = Checkpoint.read(new RunFolder(folder).lastCheckpoint(), m).state();
            assertTrue(state.scope("algorithm").scope("inner-optimizer").contains("v/0"),
                    "the inner Adam's second moments are in the checkpoint: " + state.arrays().keySet());
            assertEquals(8 * 2 * 2, state.scope("algorithm").scope("inner-optimizer").getLong("t"),
                    "Adam's step count runs on across tasks and outer steps");
        }

        // crashed after step 5 (the last checkpoint is at 4), then resumed
        Path broken = tmp.resolve("broken");
        PluginRegistry registry = PluginRegistry.discover(List.of());
        ConfigLoader loader = new ConfigLoader(registry);
        ExperimentConfig cfg = loader.load(loader.parse("reptile-omniglot-5w1s.conf"),
                ConfigLoader.overrides(args(broken)), Set.of());
        RunFolder crashed = RunFolder.create(broken, "reptile-omniglot-5w1s");
        try (Experiment e = Experiment.create(cfg, registry)) {
            Trainer t = new Trainer(e, crashed).afterEachStep(done -> {
                if (done == 5) {
                    throw new IllegalStateException("simulated crash");
                }
            });
            assertThrows(IllegalStateException.class, () -> t.run(null));
        }
        Cli resumed = Cli.run("run", "--resume", crashed.dir().toString());
        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertEquals(expected, Files.readString(crashed.metrics()));
    }
}
