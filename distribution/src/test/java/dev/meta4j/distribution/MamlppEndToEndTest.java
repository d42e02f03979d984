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
import dev.meta4j.runtime.experiment.Experiment;
import dev.meta4j.runtime.experiment.Trainer;
import dev.meta4j.runtime.plugin.PluginRegistry;
import dev.meta4j.runtime.engine.TorchEngine;
import dev.meta4j.runtime.experiment.Checkpoint;
import dev.meta4j.runtime.experiment.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MAML++ end to end through its bundled Omniglot config, shrunk to the rendered-glyph fixture:
 * epochs of the algorithm's own length, validation every epoch feeding the top-k pool, the pool in
 * the checkpoint, the ensemble beside the single model in the summary, and a run resumed from a checkpoint
 * writing exactly what the whole run wrote.
 */
class MamlppEndToEndTest {

    private static final String CONFIG = "mamlpp-omniglot-20w1s.conf";
    private static final String NAME = "mamlpp-omniglot-20w1s";

    @TempDir static Path data;

    @BeforeAll
    static void fixture() {
        OmniglotFixtures.write(data.resolve("omniglot"), 6, 10, 16, 7);
    }

    private static List<String> overrides() {
        return List.of("dataset.root=" + data.resolve("omniglot"), "dataset.train-characters=30",
                "dataset.validation-characters=10", "dataset.ways=5", "dataset.train-ways=5", "experiment.epochs=4",
                "algorithm.iterations-per-epoch=4", "algorithm.msl-epochs=2", "algorithm.inner-steps=2",
                "algorithm.eval-steps=2", "algorithm.meta-batch=2", "algorithm.eval-tasks=6", "algorithm.test-tasks=12",
                "algorithm.ensemble-top-k=2", "model.channels=8", "experiment.log-every=2", "experiment.plots=false",
                "experiment.threads=1");
    }

    private static Cli run(Path out) {
        List<String> args = new ArrayList<>(List.of("run", "--config", CONFIG, "experiment.output-dir=" + out));
        args.addAll(overrides());
        return Cli.run(args.toArray(String[]::new));
    }

    /** A run crashed after step 10 of 16: its last checkpoint is epoch 2's (step 8), with a pool of two. */
    private static Path crashedRun(Path out) throws Exception {
        PluginRegistry registry = PluginRegistry.discover(List.of());
        ConfigLoader loader = new ConfigLoader(registry);
        List<String> args = new ArrayList<>(List.of("experiment.output-dir=" + out));
        args.addAll(overrides());
        ExperimentConfig cfg = loader.load(loader.parse(CONFIG), ConfigLoader.overrides(args), Set.of());
        RunFolder folder = RunFolder.create(out, NAME);
        try (Experiment e = Experiment.create(cfg, registry)) {
            Trainer t = new Trainer(e, folder).afterEachStep(done -> {
                if (done == 10) {
                    throw new IllegalStateException("simulated crash");
                }
            });
            assertThrows(IllegalStateException.class, () -> t.run(null));
        }
        return folder.dir();
    }

    @Test
    void trainsValidatesEveryEpochTestsTheTopKEnsembleAndResumesExactly(@TempDir Path out) throws Exception {
        Cli a = run(out.resolve("a"));
        assertEquals(0, a.exitCode(), a.toString());
        Path folder = Cli.runFolder(out.resolve("a"), NAME);
        String metrics = Files.readString(folder.resolve("metrics.jsonl"));
        assertEquals(4, metrics.lines().filter(l -> l.contains("\"validation\"")).count(), metrics);
        JsonObject summary = JsonParser.parseString(Files.readString(folder.resolve("summary.json"))).getAsJsonObject();
        JsonObject test = summary.getAsJsonObject("test");
        assertTrue(test.has("accuracy-post") && test.has("accuracy-post-ensemble"), test.toString());
        assertEquals(2, test.get("ensemble-size").getAsInt(), test.toString());

        TorchEngine.get();
        try (NDManager m = NDManager.newBaseManager()) {
            var state = Checkpoint.read(new RunFolder(folder).lastCheckpoint(), m).state();
            assertTrue(state.scope("params").contains("encoder.block1.bn.running-mean@1"));
            assertTrue(state.scope("params").contains("lr.encoder.block1.conv.weight@1"));
            assertTrue(state.scope("algorithm").contains("ensemble/1/encoder.block1.bn.weight@0"));
        }

        // resumed from epoch 2's checkpoint (pool and all), the run writes exactly what it wrote whole
        Path crashed = crashedRun(out.resolve("b"));
        Cli resumed = Cli.run("run", "--resume", crashed.toString());
        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertEquals(metrics, Files.readString(crashed.resolve("metrics.jsonl")));
        JsonObject again = JsonParser.parseString(Files.readString(crashed.resolve("summary.json"))).getAsJsonObject();
        assertEquals(test.get("accuracy-post-ensemble"), again.getAsJsonObject("test").get("accuracy-post-ensemble"));
    }
}
