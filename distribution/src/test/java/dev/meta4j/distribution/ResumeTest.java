package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.experiment.Experiment;
import dev.meta4j.runtime.experiment.RunFolder;
import dev.meta4j.runtime.experiment.Trainer;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run interrupted after a checkpoint and resumed writes exactly what an uninterrupted run writes. */
class ResumeTest {

    private static final List<String> ARGS = List.of("experiment.steps=300", "experiment.eval-every=100",
            "experiment.log-every=25", "experiment.plots=false", "algorithm.eval-tasks=20", "experiment.threads=1");

    @Test
    void resumedRunContinuesExactly(@TempDir Path tmp) throws Exception {
        Path whole = tmp.resolve("whole");
        Cli a = Cli.run(concat("run", "experiment.output-dir=" + whole, ARGS));
        assertEquals(0, a.exitCode(), a.toString());
        String expected = Files.readString(Cli.runFolder(whole, "maml-sine").resolve("metrics.jsonl"));

        // Interrupt a second run between checkpoints (after step 250; the last checkpoint is at 200).
        Path broken = tmp.resolve("broken");
        PluginRegistry registry = PluginRegistry.discover(List.of());
        ConfigLoader loader = new ConfigLoader(registry);
        ExperimentConfig cfg = loader.load(loader.parse("maml-sine.conf"),
                ConfigLoader.overrides(concat("experiment.output-dir=" + broken, ARGS)), Set.of());
        RunFolder folder = RunFolder.create(broken, "maml-sine");
        try (Experiment e = Experiment.create(cfg, registry)) {
            Trainer t = new Trainer(e, folder).afterEachStep(done -> {
                if (done == 250) {
                    throw new IllegalStateException("simulated crash");
                }
            });
            assertThrows(IllegalStateException.class, () -> t.run(null));
        }
        Cli resumed = Cli.run("run", "--resume", folder.dir().toString());
        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertEquals(expected, Files.readString(folder.metrics()));
    }

    @Test
    void aCorruptCheckpointIsReportedWithItsPath(@TempDir Path tmp) throws Exception {
        Cli a = Cli.run(concat("run", "experiment.output-dir=" + tmp, List.of("experiment.steps=20",
                "experiment.eval-every=10", "experiment.plots=false", "algorithm.eval-tasks=5")));
        assertEquals(0, a.exitCode(), a.toString());
        Path run = Cli.runFolder(tmp, "maml-sine");
        Files.writeString(run.resolve("checkpoints/last"), "not a zip");
        Cli resumed = Cli.run("run", "--resume", run.toString());
        assertEquals(1, resumed.exitCode(), resumed.toString());
        org.junit.jupiter.api.Assertions.assertTrue(resumed.err().contains(run.resolve("checkpoints/last").toString())
                && resumed.err().contains("is not a meta4j checkpoint"), resumed.err());
        org.junit.jupiter.api.Assertions.assertFalse(resumed.err().contains("\tat "), "no stack trace: " + resumed.err());
    }

    private static String[] concat(String first, String second, List<String> rest) {
        String[] out = new String[rest.size() + 2];
        out[0] = first;
        out[1] = second;
        for (int i = 0; i < rest.size(); i++) {
            out[i + 2] = rest.get(i);
        }
        return out;
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> out = new java.util.ArrayList<>();
        out.add(first);
        out.addAll(rest);
        return out;
    }
}
