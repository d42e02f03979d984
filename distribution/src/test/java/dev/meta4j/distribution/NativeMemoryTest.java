package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.Step;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.experiment.Experiment;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 2,000 second-order MAML meta-steps must not grow native memory: no array may stay behind in
 * the experiment's manager, and the process's resident memory must stay flat. (With
 * {@code backward(create_graph=true)} it grows by megabytes per step.)
 */
class NativeMemoryTest {

    @ParameterizedTest(name = "inner steps {0}")
    @ValueSource(ints = {1, 5})
    void secondOrderMamlDoesNotGrowNativeMemory(int innerSteps) throws Exception {
        PluginRegistry registry = PluginRegistry.discover(List.of());
        ConfigLoader loader = new ConfigLoader(registry);
        ExperimentConfig cfg = loader.load(loader.parse("maml-sine.conf"),
                ConfigLoader.overrides(List.of("algorithm.inner-steps=" + innerSteps, "experiment.threads=1")), Set.of());
        try (Experiment e = Experiment.create(cfg, registry)) {
            Algorithm algorithm = e.algorithm();
            long arraysAfterWarmup = 0;
            long rssAfterWarmup = 0;
            long rssMiddle = 0;
            for (int step = 0; step < 2000; step++) {
                try (NDManager m = e.manager().newSubManager()) {
                    algorithm.trainStep(new Step(step, 1e-3, m));
                }
                if (step == 199) {
                    arraysAfterWarmup = e.manager().getManagedArrays().size();
                    rssAfterWarmup = residentKb();
                } else if (step == 1099) {
                    rssMiddle = residentKb();
                }
            }
            long rssEnd = residentKb();
            assertEquals(arraysAfterWarmup, e.manager().getManagedArrays().size(),
                    "arrays left behind in the experiment's manager");
            long growth = rssEnd - rssAfterWarmup;
            long lateGrowth = rssEnd - rssMiddle;
            System.out.printf("inner steps %d: RSS %d MB after 200 steps, %d MB after 1100, %d MB after 2000%n",
                    innerSteps, rssAfterWarmup / 1024, rssMiddle / 1024, rssEnd / 1024);
            assertTrue(growth < 48 * 1024, "RSS grew by " + growth / 1024 + " MB over 1,800 meta-steps");
            assertTrue(lateGrowth < 24 * 1024, "RSS grew by " + lateGrowth / 1024 + " MB over the last 900 meta-steps");
        }
    }

    private static long residentKb() throws Exception {
        System.gc();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
