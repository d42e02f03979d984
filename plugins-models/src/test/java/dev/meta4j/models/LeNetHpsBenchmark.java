package dev.meta4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.Targets;
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
 * Time of one forward + backward of lenet-hps on a batch of 256 1×36×36 inputs (two heads,
 * summed cross-entropies, gradients of all parameters), float32 on the CPU. Not a check: run it
 * on purpose with {@code -Dmeta4j.bench=true -Dtest=LeNetHpsBenchmark} ({@code
 * -Dmeta4j.bench.threads=N}, default 2).
 */
@EnabledIfSystemProperty(named = "meta4j.bench", matches = "true")
class LeNetHpsBenchmark {

    @Test
    void forwardBackwardBatch256() {
        int threads = Integer.getInteger("meta4j.bench.threads", 2);
        DataSpec spec = new DataSpec(new long[] {1, 36, 36}, List.of(new ClassificationTask("left", 10),
                new ClassificationTask("right", 10)));
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT32, 0)) {
            TorchEngine.setThreads(threads);
            LeNetHps net = (LeNetHps) kit.create(PluginKind.MODEL, "lenet-hps", "", Backbone.class);
            Params p = net.init(spec, new Rng(0), kit.manager(), DataType.FLOAT32);
            Rng rng = new Rng(1);
            int n = 256;
            float[] x = new float[n * 36 * 36];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextDouble();
            }
            long[] y0 = new long[n];
            long[] y1 = new long[n];
            for (int i = 0; i < n; i++) {
                y0[i] = rng.nextInt(10);
                y1[i] = rng.nextInt(10);
            }
            Autograd ad = kit.autograd();
            Runnable step = () -> {
                try (NDManager m = kit.manager().newSubManager(); Autograd.Scope s = ad.record()) {
                    NDList out = net.forward(p, m.create(x, new Shape(n, 1, 36, 36)), Forward.training(new Rng(0)));
                    NDArray loss = spec.tasks().get(0).loss(out.get(0), Targets.of(m.create(y0)))
                            .add(spec.tasks().get(1).loss(out.get(1), Targets.of(m.create(y1))));
                    NDList g = ad.grad(loss, p.arrays(), GraphMode.RELEASE);
                    g.get(0).getFloat(0, 0, 0, 0);
                }
            };
            Runnable forward = () -> {
                try (NDManager m = kit.manager().newSubManager(); Autograd.Scope s = ad.pause()) {
                    net.forward(p, m.create(x, new Shape(n, 1, 36, 36)), Forward.evaluation(new Rng(0))).get(1).getFloat(0, 0);
                }
            };
            System.out.printf("lenet-hps batch %d, %d thread(s): forward+backward ms/step %s; forward only ms %s%n", n,
                    threads, time(step), time(forward));
        }
    }

    /** Median over 5 windows of 20 steps, after 20 warm-up steps. */
    private static String time(Runnable r) {
        for (int i = 0; i < 20; i++) {
            r.run();
        }
        double[] ms = new double[5];
        for (int w = 0; w < ms.length; w++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                r.run();
            }
            ms[w] = (System.nanoTime() - t0) / 1e6 / 20;
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        return String.format("median %.2f, best %.2f (windows %s)", sorted[2], sorted[0],
                Arrays.toString(Arrays.stream(ms).map(v -> Math.round(v * 100) / 100.0).toArray()));
    }
}
