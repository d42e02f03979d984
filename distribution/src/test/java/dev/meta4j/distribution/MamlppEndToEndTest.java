package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meta4j.datasets.OmniglotFixtures;
import dev.meta4j.runtime.engine.TorchEngine;
import dev.meta4j.runtime.experiment.Checkpoint;
import dev.meta4j.runtime.experiment.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MAML++ end to end through its bundled Omniglot config, shrunk to the rendered-glyph fixture:
 * epochs of the algorithm's own length, validation every epoch feeding the top-k pool, the pool in
 * the checkpoint, the ensemble beside the single model in the summary, and the same metrics twice.
 */
class MamlppEndToEndTest {

    @TempDir static Path data;

    @BeforeAll
    static void fixture() {
        OmniglotFixtures.write(data.resolve("omniglot"), 6, 10, 16, 7);
    }

    private static Cli run(Path out) {
        return Cli.run("run", "--config", "mamlpp-omniglot-20w1s.conf", "experiment.output-dir=" + out,
                "dataset.root=" + data.resolve("omniglot"), "dataset.train-characters=30",
                "dataset.validation-characters=10", "dataset.ways=5", "dataset.train-ways=5", "experiment.epochs=4",
                "algorithm.iterations-per-epoch=4", "algorithm.msl-epochs=2", "algorithm.inner-steps=2",
                "algorithm.eval-steps=2", "algorithm.meta-batch=2", "algorithm.eval-tasks=6", "algorithm.test-tasks=12",
                "algorithm.ensemble-top-k=2", "model.channels=8", "experiment.log-every=2", "experiment.plots=false",
                "experiment.threads=1");
    }

    @Test
    void trainsValidatesEveryEpochAndTestsTheTopKEnsemble(@TempDir Path out) throws Exception {
        Cli a = run(out.resolve("a"));
        assertEquals(0, a.exitCode(), a.toString());
        Path folder = Cli.runFolder(out.resolve("a"), "mamlpp-omniglot-20w1s");
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

        Cli b = run(out.resolve("b"));
        assertEquals(0, b.exitCode(), b.toString());
        assertEquals(metrics, Files.readString(Cli.runFolder(out.resolve("b"), "mamlpp-omniglot-20w1s")
                .resolve("metrics.jsonl")));
    }
}
