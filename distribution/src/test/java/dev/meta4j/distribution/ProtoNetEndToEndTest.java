package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meta4j.datasets.IdxFixtures;
import dev.meta4j.runtime.experiment.Checkpoint;
import dev.meta4j.runtime.experiment.RunFolder;
import dev.meta4j.runtime.engine.TorchEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ProtoNet end to end through the bundled config on a generated Fashion-MNIST folder: it learns
 * held-out classes well above chance, checkpoints carry the batch norms' running statistics, and
 * two runs write the same metrics.
 */
class ProtoNetEndToEndTest {

    @TempDir static Path data;

    @BeforeAll
    static void fixture() {
        IdxFixtures.learnable(data.resolve("fashion"), 500, 100, 5);
    }

    private static Cli run(Path out) {
        return Cli.run("run", "--config", "protonet-fashion-5w1s.conf", "experiment.output-dir=" + out,
                "dataset.root=" + data.resolve("fashion"), "experiment.steps=30", "experiment.eval-every=15",
                "experiment.log-every=5", "experiment.plots=false", "experiment.threads=1", "model.channels=8",
                "dataset.train-ways=10", "algorithm.eval-episodes=10", "algorithm.test-episodes=40");
    }

    @Test
    void learnsHeldOutClassesAndCheckpointsTheRunningStatistics(@TempDir Path out) throws Exception {
        Cli a = run(out.resolve("a"));
        assertEquals(0, a.exitCode(), a.toString());
        Path folder = Cli.runFolder(out.resolve("a"), "protonet-fashion-5w1s");
        JsonObject summary = JsonParser.parseString(Files.readString(folder.resolve("summary.json"))).getAsJsonObject();
        double acc = summary.getAsJsonObject("test").get("accuracy").getAsDouble();
        assertTrue(acc > 0.5, "5-way test accuracy " + acc + " (chance 0.2)");
        assertTrue(summary.getAsJsonObject("test").has("accuracy-ci95"));

        TorchEngine.get();
        try (NDManager m = NDManager.newBaseManager()) {
            var state = Checkpoint.read(new RunFolder(folder).lastCheckpoint(), m).state().scope("params");
            double[] mean = state.getArray("encoder.block1.bn.running-mean").toType(ai.djl.ndarray.types.DataType.FLOAT64,
                    false).toDoubleArray();
            double norm = 0;
            for (double v : mean) {
                norm += Math.abs(v);
            }
            assertTrue(norm > 0, "the running mean was trained away from zeros and checkpointed");
            assertTrue(state.contains("encoder.block4.bn.running-var"));
        }

        Cli b = run(out.resolve("b"));
        assertEquals(0, b.exitCode(), b.toString());
        assertEquals(Files.readString(folder.resolve("metrics.jsonl")),
                Files.readString(Cli.runFolder(out.resolve("b"), "protonet-fashion-5w1s").resolve("metrics.jsonl")));
    }
}
