package dev.meta4j.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.runtime.engine.TorchEngine;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Time of one forward + backward of {@code mtan-segnet} (official filters, NYUv2's three tasks) on a
 * batch of 2 random 3×288×384 images, float32 on the CPU: the loss is {@code Σ_t mean(y_t · r_t)}
 * with fixed random {@code r_t}, the gradient is of every trained parameter. Not a check: run it on
 * purpose with {@code -Dmeta4j.bench=true -Dtest=MtanSegNetBenchmark} ({@code
 * -Dmeta4j.bench.threads=N}, default 2; {@code -Dmeta4j.bench.steps=N}, default 2, after one
 * warm-up step). Prints each step's time and the peak RSS ({@code VmHWM}).
 */
@EnabledIfSystemProperty(named = "meta4j.bench", matches = "true")
class MtanSegNetBenchmark {

    @Test
    void forwardBackwardBatch2Nyuv2() throws IOException {
        int threads = Integer.getInteger("meta4j.bench.threads", 2);
        int steps = Integer.getInteger("meta4j.bench.steps", 2);
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT32, 0)) {
            TorchEngine.setThreads(threads);
            Backbone net = kit.create(PluginKind.MODEL, "mtan-segnet", "", Backbone.class);
            Params p = net.init(MtanSegNetTest.nyu(288, 384), new Rng(0), kit.manager(), DataType.FLOAT32);
            Autograd ad = kit.autograd();
            NDArray x = kit.manager().randomUniform(0f, 1f, new Shape(2, 3, 288, 384));
            NDArray[] r = {kit.manager().randomNormal(new Shape(2, 13, 288, 384)),
                kit.manager().randomNormal(new Shape(2, 1, 288, 384)), kit.manager().randomNormal(new Shape(2, 3, 288, 384))};
            for (int s = 0; s <= steps; s++) {
                long t0 = System.nanoTime();
                long forwardNs;
                try (NDManager m = kit.manager().newSubManager(); Autograd.Scope rec = ad.record()) {
                    p.tempAttach(m);
                    NDList out = net.forward(p, x, Forward.training(new Rng(0)));
                    NDArray loss = null;
                    for (int t = 0; t < 3; t++) {
                        NDArray term = out.get(t).mul(r[t]).mean();
                        loss = loss == null ? term : loss.add(term);
                    }
                    loss.getFloat();
                    forwardNs = System.nanoTime() - t0;
                    NDList g = ad.grad(loss, p.trainable().arrays(), GraphMode.RELEASE);
                    g.get(0).getFloat(0, 0, 0, 0);
                }
                long total = System.nanoTime() - t0;
                System.out.printf("mtan-segnet batch 2, 288x384, %d thread(s), %s: forward %.2f s, forward+backward %.2f s%n",
                        threads, s == 0 ? "warm-up" : "step " + s, forwardNs / 1e9, total / 1e9);
            }
            String hwm = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
                    .findFirst().orElse("VmHWM ?");
            System.out.println("peak RSS " + hwm.replaceAll("\\s+", " "));
        }
    }
}
