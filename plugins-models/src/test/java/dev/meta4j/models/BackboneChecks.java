package dev.meta4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.runtime.testing.FiniteDifferences;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What the residual backbones' tests share: float64 gradient checks on part of the parameters
 * and along random directions, and the golden files of {@code src/test/python/backbone_golden.py}
 * (tiny ResNet-12 and WRN built from the official code).
 */
final class BackboneChecks {

    private BackboneChecks() {}

    static double[] gaussian(Rng rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }

    /**
     * Autograd's gradient of some parameters against central differences in each of their
     * coordinates (step {@code h}), the others (and the buffers) held.
     *
     * <p>The step matters for ReLU networks with batch norm: a training-mode batch norm puts
     * many pre-activations near the kink at 0, and a difference that steps over one is off by
     * that unit's share of the gradient. On WRN-10-1 the error fell from 1e-3 (h = 1e-5) to 2e-8
     * (h = 1e-7), which is what kinks do; a wrong gradient would not depend on h.
     */
    static double subsetGradientError(Function<Params, NDArray> loss, Params at, List<String> names, Autograd autograd,
            NDManager m, double h) {
        Params subset = at.filter(names::contains);
        Params rest = at.filter(n -> !names.contains(n));
        assertEquals(names.size(), subset.size(), "every named parameter exists");
        double[] analytic;
        try (Autograd.Scope rec = autograd.record()) {
            analytic = FiniteDifferences.flatten(autograd.grad(loss.apply(at), subset.arrays(), GraphMode.RELEASE));
        }
        double[] numeric = FiniteDifferences.gradient(q -> loss.apply(q.concat(rest)).getDouble(), subset, h, m);
        return FiniteDifferences.relativeError(analytic, numeric);
    }

    /**
     * The largest relative error of the directional derivative along random unit directions over
     * all trained parameters: autograd's gradient dotted with the direction, against central
     * differences with step {@code h}.
     */
    static double directionalError(Function<Params, NDArray> loss, Params at, Autograd autograd, NDManager m, int directions,
            long seed, double h) {
        Params trainable = at.trainable();
        Params buffers = at.buffers();
        double[] g;
        try (Autograd.Scope rec = autograd.record()) {
            g = FiniteDifferences.flatten(autograd.grad(loss.apply(at), trainable.arrays(), GraphMode.RELEASE));
        }
        Rng rng = new Rng(seed);
        double worst = 0;
        for (int k = 0; k < directions; k++) {
            double[] d = gaussian(rng, g.length);
            double norm = Math.sqrt(Arrays.stream(d).map(v -> v * v).sum());
            for (int i = 0; i < d.length; i++) {
                d[i] /= norm;
            }
            double analytic = 0;
            for (int i = 0; i < g.length; i++) {
                analytic += g[i] * d[i];
            }
            double numeric = FiniteDifferences.directional(q -> loss.apply(q.concat(buffers)).getDouble(), trainable, d, h, m);
            worst = Math.max(worst, Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric)));
        }
        return worst;
    }

    /** The reference's numbers for a tiny instance (see the generator's docstring). */
    record Golden(List<String> names, List<long[]> shapes, long[] input, double[] trainOutput,
            Map<String, double[]> gradients, double hvp, Map<String, double[]> buffers, double[] evalOutput) {

        static Golden read(String resource) {
            List<String> names = new ArrayList<>();
            List<long[]> shapes = new ArrayList<>();
            Map<String, double[]> grads = new LinkedHashMap<>();
            Map<String, double[]> buffers = new LinkedHashMap<>();
            long[] input = null;
            double[] train = null;
            double[] eval = null;
            double hvp = Double.NaN;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(
                    BackboneChecks.class.getResourceAsStream(resource), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("#") || line.isBlank()) {
                        continue;
                    }
                    String[] f = line.split(" ");
                    switch (f[0]) {
                        case "param" -> {
                            names.add(f[1]);
                            shapes.add(Arrays.stream(f[2].split(",")).mapToLong(Long::parseLong).toArray());
                        }
                        case "input" -> input = Arrays.stream(f[1].split(",")).mapToLong(Long::parseLong).toArray();
                        case "train-output" -> train = numbers(f, 1);
                        case "eval-output" -> eval = numbers(f, 1);
                        case "grad" -> grads.put(f[1], numbers(f, 2));
                        case "buffer" -> buffers.put(f[1], numbers(f, 2));
                        case "hvp" -> hvp = Double.parseDouble(f[1]);
                        default -> throw new IllegalStateException("unknown line in " + resource + ": " + f[0]);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Golden(names, shapes, input, train, grads, hvp, buffers, eval);
        }

        private static double[] numbers(String[] f, int from) {
            return Arrays.stream(f, from, f.length).mapToDouble(Double::parseDouble).toArray();
        }

        static double[] sequence(int n, java.util.function.IntToDoubleFunction f) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = f.applyAsDouble(i);
            }
            return v;
        }

        /** Parameter {@code j}'s values: the generator's {@code fill}. */
        static double[] formula(int j, String name, long[] shape) {
            int n = Math.toIntExact(new Shape(shape).size());
            double[] v = sequence(n, i -> StrictMath.sin(0.7 * i + 1.3 * j + 0.1));
            for (int i = 0; i < n; i++) {
                if (shape.length == 4) {
                    v[i] *= 1.5 / Math.sqrt(shape[1] * shape[2] * shape[3]);
                } else if (name.endsWith("weight")) {
                    v[i] = 1 + 0.2 * v[i];
                } else {
                    v[i] = 0.2 * v[i];
                }
            }
            return v;
        }

        /**
         * Checks a backbone against the reference: names and shapes of its trained parameters, the
         * training-mode output, the gradients of {@code sum(output · r)} and the Hessian-vector
         * product {@code u'Hv} of it (the double backward, through every block's freed manager: see
         * {@code Temporaries.scoped}), the running statistics after that pass and the evaluation-mode
         * output that reads them.
         *
         * <p>The second order is checked against PyTorch's double backward, not finite differences:
         * the gradient of a (leaky) ReLU network jumps at every kink, so a difference of gradients
         * that steps over one is off by the jump over the step.
         */
        void check(Backbone net, Params init, Autograd autograd, NDManager m, double tolerance) {
            Params trainable = init.trainable();
            assertEquals(names, trainable.names(), "the reference module's parameters, in its order");
            List<NDArray> values = new ArrayList<>();
            int j = 0;
            for (String name : init.names()) {
                NDArray a = init.get(name);
                if (init.isBuffer(name)) {
                    values.add(a);
                    continue;
                }
                assertEquals(new Shape(shapes.get(j)), a.getShape(), name);
                NDArray v = m.create(formula(j, name, shapes.get(j)), a.getShape());
                v.setRequiresGradient(true);
                values.add(v);
                j++;
            }
            Params p = init.withArrays(values);
            int n = Math.toIntExact(new Shape(input).size());
            NDArray x = m.create(sequence(n, i -> StrictMath.sin(0.31 * i + 0.2)), new Shape(input));
            NDList grads;
            NDArray y;
            double uhv = 0;
            try (Autograd.Scope rec = autograd.record()) {
                y = net.forward(p, x, Forward.training(new Rng(0))).singletonOrThrow();
                NDArray r = m.create(sequence(Math.toIntExact(y.size()), i -> StrictMath.cos(0.13 * i)), y.getShape());
                grads = autograd.grad(y.mul(r).sum(), p.trainable().arrays(), GraphMode.CREATE);
                int total = Math.toIntExact(p.trainable().elementCount());
                NDArray ug = dot(grads, sequence(total, k -> StrictMath.sin(0.23 * k + 0.3)), m);
                double[] hv = FiniteDifferences.flatten(autograd.grad(ug, p.trainable().arrays(), GraphMode.RELEASE));
                double[] v = sequence(total, k -> StrictMath.cos(0.19 * k + 0.7));
                for (int k = 0; k < total; k++) {
                    uhv += hv[k] * v[k];
                }
            }
            assertEquals(hvp, uhv, tolerance * Math.abs(hvp), "u'Hv (double backward)");
            close(trainOutput, y.toDoubleArray(), tolerance, "training-mode output");
            for (int k = 0; k < names.size(); k++) {
                double[] g = grads.get(k).toDoubleArray();
                double[] s = sequence(g.length, i -> StrictMath.sin(0.17 * i + 0.5));
                double dot = 0;
                double sq = 0;
                for (int i = 0; i < g.length; i++) {
                    dot += g[i] * s[i];
                    sq += g[i] * g[i];
                }
                double[] want = gradients.get(names.get(k));
                double scale = Math.sqrt(want[1]) * Math.sqrt(g.length) + 1e-12;
                assertEquals(want[0], dot, tolerance * scale, "gradient of " + names.get(k) + " (checksum)");
                assertEquals(want[1], sq, tolerance * (want[1] + 1e-12) * 2, "gradient of " + names.get(k) + " (squared norm)");
            }
            assertEquals(buffers.keySet(), new java.util.LinkedHashSet<>(p.buffers().names()), "running statistics");
            for (Map.Entry<String, double[]> e : buffers.entrySet()) {
                close(e.getValue(), p.get(e.getKey()).toDoubleArray(), tolerance, e.getKey() + " after the training pass");
            }
            close(evalOutput, net.forward(p, x, Forward.evaluation(new Rng(0))).singletonOrThrow().toDoubleArray(), tolerance,
                    "evaluation-mode output");
        }

        private static NDArray dot(NDList g, double[] w, NDManager m) {
            NDArray total = null;
            int off = 0;
            for (NDArray a : g) {
                int k = Math.toIntExact(a.size());
                NDArray part = a.mul(m.create(Arrays.copyOfRange(w, off, off + k), a.getShape())).sum();
                total = total == null ? part : total.add(part);
                off += k;
            }
            return total;
        }

        private static void close(double[] want, double[] got, double tolerance, String what) {
            assertEquals(want.length, got.length, what + ": size");
            double err = FiniteDifferences.relativeError(want, got);
            assertTrue(err < tolerance, what + ": relative error " + err);
        }
    }
}
