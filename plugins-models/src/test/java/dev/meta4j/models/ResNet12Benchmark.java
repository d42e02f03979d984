package dev.meta4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.runtime.engine.TorchEngine;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Time of one forward + backward of resnet12 (default widths, DropBlock on) on one 5-way 5-shot
 * episode with 15 queries a class: 100 images 3×84×84, float32 on the CPU, the loss a sum of the
 * embedding against fixed weights (what a ProtoNet step costs, less its few small ops). Not a
 * check: run it on purpose with {@code -Dmeta4j.bench=true -Dtest=ResNet12Benchmark} ({@code
 * -Dmeta4j.bench.threads=N}, default 2; {@code -Dmeta4j.bench.steps=N}, default 5).
 * {@code src/test/python/resnet12_step.py} times MetaOptNet's module on the same batch.
 */
@EnabledIfSystemProperty(named = "meta4j.bench", matches = "true")
class ResNet12Benchmark {

    @Test
    void forwardBackwardOfOneEpisode() {
        int threads = Integer.getInteger("meta4j.bench.threads", 2);
        int steps = Integer.getInteger("meta4j.bench.steps", 5);
        DataSpec spec = new DataSpec(new long[] {3, 84, 84}, List.of(new ClassificationTask("y", 5)));
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT32, 0)) {
            TorchEngine.setThreads(threads);
            ResNet12 net = (ResNet12) kit.create(PluginKind.MODEL, "resnet12", "", Backbone.class);
            Params p = net.init(spec, new Rng(0), kit.manager(), DataType.FLOAT32);
            Rng rng = new Rng(1);
            int n = 100;
            float[] x = new float[n * 3 * 84 * 84];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextDouble();
            }
            float[] r = new float[n * 16000];
            for (int i = 0; i < r.length; i++) {
                r[i] = (float) rng.uniform(-1, 1);
            }
            Autograd ad = kit.autograd();
            Rng masks = new Rng(2);
            Runnable step = () -> {
                try (NDManager m = kit.manager().newSubManager(); Autograd.Scope s = ad.record()) {
                    p.tempAttach(m);
                    NDArray z = net.encode(p, m.create(x, new Shape(n, 3, 84, 84)), Forward.training(masks));
                    NDList g = ad.grad(z.mul(m.create(r, new Shape(n, 16000))).sum(), p.trainable().arrays(),
                            GraphMode.RELEASE);
                    g.get(0).getFloat(0, 0, 0, 0);
                }
            };
            Runnable forward = () -> {
                try (NDManager m = kit.manager().newSubManager(); Autograd.Scope s = ad.pause()) {
                    p.tempAttach(m);
                    net.encode(p, m.create(x, new Shape(n, 3, 84, 84)), Forward.evaluation(masks)).getFloat(0, 0);
                }
            };
            step.run(); // warm-up
            forward.run();
            System.out.printf("resnet12, 100 x 3x84x84, %d thread(s): forward+backward s/step %s; forward (eval) s %s; %s%n",
                    threads, time(step, steps), time(forward, steps), peakResidentSet());
        }
    }

    /** The process's peak resident set ({@code VmHWM}), where Linux reports it. */
    private static String peakResidentSet() {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("VmHWM")).findFirst().map(l -> "peak RSS " + l.substring(6).trim())
                    .orElse("peak RSS unknown");
        } catch (java.io.IOException e) {
            return "peak RSS unknown";
        }
    }

    private static String time(Runnable r, int steps) {
        double[] s = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            r.run();
            s[i] = (System.nanoTime() - t0) / 1e9;
        }
        double[] sorted = s.clone();
        Arrays.sort(sorted);
        return String.format("median %.2f, best %.2f (%s)", sorted[steps / 2], sorted[0],
                Arrays.toString(Arrays.stream(s).map(v -> Math.round(v * 100) / 100.0).toArray()));
    }
}
