package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meta4j.api.optim.TrainingClock;
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
            long arraysAfterWarmup = 0;
            List<double[]> samples = new java.util.ArrayList<>();
            for (int step = 0; step < 2000; step++) {
                e.trainStep(new TrainingClock(step, 2000, 0)); // the runtime's step: its scope, its attachments
                if (step == 199) {
                    arraysAfterWarmup = e.manager().getManagedArrays().size();
                }
                if (step >= 199 && (step + 1) % 100 == 0) {
                    samples.add(new double[] {step + 1, residentKb() / 1024.0});
                }
            }
            assertEquals(arraysAfterWarmup, e.manager().getManagedArrays().size(),
                    "arrays left behind in the experiment's manager");
            double first = samples.get(0)[1];
            double last = samples.get(samples.size() - 1)[1];
            double slope = slopePerThousandSteps(samples);
            System.out.printf("inner steps %d: RSS %.0f MB after 200 steps, %.0f MB after 2000; trend %.2f MB per 1,000"
                    + " steps%n", innerSteps, first, last, slope);
            // backward(create_graph) leaks ~2 MB per step, i.e. ~2 GB per 1,000 steps
            assertTrue(last - first < 48, "RSS grew by " + (last - first) + " MB over 1,800 meta-steps");
            assertTrue(slope < 16, "RSS grows by " + slope + " MB per 1,000 meta-steps: " + samples.size() + " samples");
        }
    }

    /** Least-squares slope of RSS (MB) over steps, per 1,000 steps. */
    private static double slopePerThousandSteps(List<double[]> samples) {
        double mx = 0;
        double my = 0;
        for (double[] s : samples) {
            mx += s[0] / samples.size();
            my += s[1] / samples.size();
        }
        double sxy = 0;
        double sxx = 0;
        for (double[] s : samples) {
            sxy += (s[0] - mx) * (s[1] - my);
            sxx += (s[0] - mx) * (s[0] - mx);
        }
        return 1000 * sxy / sxx;
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
