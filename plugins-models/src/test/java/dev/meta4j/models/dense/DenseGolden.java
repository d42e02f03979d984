package dev.meta4j.models.dense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A golden file of {@code src/test/python/dense_golden.py}: the parameters of an official (or
 * reference) PyTorch model in its order, under meta4j's names, and checksums of its outputs,
 * gradients and running statistics for weights and inputs given by closed formulas, which {@link
 * #value} and {@link #image} compute here as the script does there.
 */
final class DenseGolden {

    /** Two checksums of an array: its sum and its sum weighted by {@code cos(0.37 i)}. */
    record Sums(double sum, double weighted) {}

    /** An output: its shape and checksums. */
    record Output(String task, long[] shape, Sums sums) {}

    final List<String> names = new ArrayList<>();
    final Map<String, long[]> shapes = new LinkedHashMap<>();
    final List<Output> train = new ArrayList<>();
    final List<Output> eval = new ArrayList<>();
    final Map<String, Sums> grads = new LinkedHashMap<>();
    final Map<String, Sums> buffers = new LinkedHashMap<>();
    long[] inputShape;
    double[] input;

    static DenseGolden read(String resource) {
        DenseGolden g = new DenseGolden();
        try (InputStream in = DenseGolden.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "param" -> {
                        g.names.add(f[1]);
                        g.shapes.put(f[1], shape(f[2]));
                    }
                    case "train" -> g.train.add(new Output(f[1], shape(f[2]), sums(f, 3)));
                    case "eval" -> g.eval.add(new Output(f[1], shape(f[2]), sums(f, 3)));
                    case "grad" -> g.grads.put(f[1], sums(f, 2));
                    case "buffer" -> g.buffers.put(f[1], sums(f, 2));
                    case "input" -> {
                        g.inputShape = shape(f[1]);
                        g.input = new double[f.length - 2];
                        for (int i = 2; i < f.length; i++) {
                            g.input[i - 2] = Double.parseDouble(f[i]);
                        }
                    }
                    default -> throw new IllegalStateException(resource + ": unknown line " + line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return g;
    }

    private static long[] shape(String s) {
        String[] parts = s.split(",");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Long.parseLong(parts[i]);
        }
        return out;
    }

    private static Sums sums(String[] f, int from) {
        return new Sums(Double.parseDouble(f[from]), Double.parseDouble(f[from + 1]));
    }

    /** The script's {@code base(j, i)}. */
    static double base(int j, long i) {
        return Math.sin(0.7 * i + 1.3 * j + 0.1);
    }

    /**
     * The value of element {@code i} of parameter {@code j} (the script's {@code fill}).
     *
     * @param name the parameter's name
     * @param j its position
     * @param shape its shape
     * @param i the element
     * @return the value
     */
    static double value(String name, int j, long[] shape, long i) {
        double b = base(j, i);
        if (shape.length >= 2) {
            long fanIn = new Shape(shape).size() / shape[0];
            return b * 1.5 / Math.sqrt(fanIn);
        }
        return name.endsWith("weight") ? 1 + 0.2 * b : 0.2 * b;
    }

    /**
     * The parameters with the formula's values, buffers as initialised (PyTorch's fresh batch norm:
     * zeros and ones), after checking that the trained parameters are the file's, in its order, with
     * its shapes.
     *
     * @param p freshly initialised float64 parameters
     * @param m where the new arrays live
     * @return the filled set
     */
    Params fill(Params p, NDManager m) {
        assertEquals(names, p.trainable().names(), "the trained parameters are the official module's, in its order");
        List<NDArray> arrays = new ArrayList<>();
        for (String name : p.names()) {
            NDArray a = p.get(name);
            if (p.isBuffer(name)) {
                arrays.add(a);
                continue;
            }
            int j = names.indexOf(name);
            long[] s = shapes.get(name);
            assertEquals(new Shape(s), a.getShape(), name);
            double[] v = new double[Math.toIntExact(a.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = value(name, j, s, i);
            }
            NDArray filled;
            try (NDArray wrapped = m.create(v, a.getShape())) {
                filled = wrapped.duplicate();
            }
            filled.setRequiresGradient(true);
            arrays.add(filled);
        }
        return p.withArrays(arrays);
    }

    /** The script's {@code image}: element {@code i} is {@code sin(0.31 i + 0.2)}. */
    static NDArray image(NDManager m, long... shape) {
        double[] v = new double[Math.toIntExact(new Shape(shape).size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.sin(0.31 * i + 0.2);
        }
        try (NDArray wrapped = m.create(v, new Shape(shape))) {
            return wrapped.duplicate();
        }
    }

    /** An owned array of given values. */
    static NDArray constantOf(NDManager m, double[] v, long[] shape) {
        try (NDArray wrapped = m.create(v, new Shape(shape))) {
            return wrapped.duplicate();
        }
    }

    /** The loss weights of task {@code t}: {@code cos(0.13 i + 0.7 t)}. */
    static NDArray lossWeights(NDManager m, int t, Shape shape) {
        double[] v = new double[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.cos(0.13 * i + 0.7 * t);
        }
        try (NDArray wrapped = m.create(v, shape)) {
            return wrapped.duplicate();
        }
    }

    /**
     * Asserts that an array's checksums are the file's, to {@code tol} relative to the sum of the
     * absolute values (a checksum may cancel to near 0), and at least to {@code 1e-12}.
     */
    static void assertSums(Sums expected, NDArray actual, double tol, String what) {
        double[] v = actual.toType(DataType.FLOAT64, false).toDoubleArray();
        double sum = 0;
        double weighted = 0;
        double scale = 0;
        for (int i = 0; i < v.length; i++) {
            sum += v[i];
            weighted += v[i] * Math.cos(0.37 * i);
            scale += Math.abs(v[i]);
        }
        // The floor: a convolution bias followed by batch norm has gradient 0 in exact arithmetic,
        // which float64 leaves at about 1e-15 in either implementation.
        double bound = tol * scale + 1e-12;
        assertTrue(Math.abs(sum - expected.sum()) <= bound && Math.abs(weighted - expected.weighted()) <= bound,
                what + ": sums " + sum + ", " + weighted + " expected " + expected.sum() + ", " + expected.weighted()
                        + " (tolerance " + bound + ")");
    }

    /**
     * Runs a training pass (outputs, gradient of {@code Σ_t Σ y_t r_t}, running statistics) and
     * then an evaluation pass, and compares everything with the file.
     *
     * @param net the model
     * @param p filled parameters ({@link #fill})
     * @param x the input
     * @param autograd the engine's autograd
     * @param tol the relative tolerance
     */
    void check(Backbone net, Params p, NDArray x, Autograd autograd, double tol) {
        NDManager m = x.getManager();
        NDList grads;
        try (Autograd.Scope rec = autograd.record()) {
            NDList ys = net.forward(p, x, Forward.training(new Rng(0)));
            assertEquals(train.size(), ys.size());
            NDArray loss = null;
            for (int t = 0; t < ys.size(); t++) {
                NDArray y = ys.get(t);
                Output o = train.get(t);
                assertEquals(new Shape(o.shape()), y.getShape(), o.task());
                assertSums(o.sums(), y, tol, "training output " + o.task());
                NDArray term = y.mul(lossWeights(m, t, y.getShape())).sum();
                loss = loss == null ? term : loss.add(term);
            }
            grads = autograd.grad(loss, p.trainable().arrays(), GraphMode.RELEASE);
        }
        List<String> trained = p.trainable().names();
        for (int k = 0; k < trained.size(); k++) {
            assertSums(grads.get(k), trained.get(k), tol);
        }
        for (Map.Entry<String, Sums> b : buffers.entrySet()) {
            assertSums(b.getValue(), p.get(b.getKey()), tol, "running statistic " + b.getKey());
        }
        assertEquals(buffers.size(), p.buffers().size(), "every running statistic is checked");
        if (eval.isEmpty()) {
            return;
        }
        NDList ys = net.forward(p, x, Forward.evaluation(new Rng(0)));
        for (int t = 0; t < ys.size(); t++) {
            Output o = eval.get(t);
            assertEquals(new Shape(o.shape()), ys.get(t).getShape(), o.task());
            assertSums(o.sums(), ys.get(t), tol, "evaluation output " + o.task());
        }
    }

    /**
     * The relative error between autograd's directional derivatives of a loss along random unit
     * directions of the trained parameters and central differences along them ({@code h = 1e-6}),
     * over all directions together: a whole model costs two passes per direction instead of two
     * per parameter (its layers are checked coordinate by coordinate in {@code DenseLayersTest},
     * its gradients against PyTorch's in the golden tests).
     *
     * @param loss the loss of a full parameter set, on arrays in the parameters' manager
     * @param at the point (buffers are held as passed)
     * @param autograd the engine's autograd
     * @param directions how many directions
     * @param rng draws the directions
     * @param m the parent of the per-evaluation managers
     * @return the relative error of the vector of derivatives
     */
    static double directionalError(java.util.function.Function<Params, NDArray> loss, Params at, Autograd autograd,
            int directions, Rng rng, NDManager m) {
        Params buffers = at.buffers();
        double[] g;
        try (Autograd.Scope rec = autograd.record()) {
            g = dev.meta4j.runtime.testing.FiniteDifferences.flatten(
                    autograd.grad(loss.apply(at), at.trainable().arrays(), GraphMode.RELEASE));
        }
        double[] analytic = new double[directions];
        double[] numeric = new double[directions];
        for (int k = 0; k < directions; k++) {
            double[] d = new double[g.length];
            double norm = 0;
            for (int i = 0; i < d.length; i++) {
                d[i] = rng.nextGaussian();
                norm += d[i] * d[i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < d.length; i++) {
                d[i] /= norm;
                analytic[k] += g[i] * d[i];
            }
            numeric[k] = dev.meta4j.runtime.testing.FiniteDifferences.directional(
                    q -> loss.apply(q.concat(buffers)).getDouble(), at.trainable(), d, 1e-6, m);
        }
        return dev.meta4j.runtime.testing.FiniteDifferences.relativeError(analytic, numeric);
    }

    private void assertSums(NDArray grad, String name, double tol) {
        assertSums(grads.get(name), grad, tol, "gradient of " + name);
    }
}
