package dev.meta4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.model.Convolution;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * meta4j's convolution against float64 (libtorch's native kernel, which is independent of oneDNN),
 * forward and every gradient, on shapes whose channel counts are and are not multiples of
 * oneDNN's vector block, at 1 and 2 threads, with libtorch's junk fill on so that any read of
 * memory a kernel never wrote turns into NaN. Also shows the trap it avoids (DESIGN.md): DJL's
 * channels-first float32 convolution.
 */
class TorchConvolutionTest {

    /** n, in channels, side, out channels, kernel, stride, padding[, groups]. */
    private static final int[][] SHAPES = {
        {8, 10, 14, 20, 5, 1, 0}, // LeNet-HPS conv2
        {8, 1, 36, 10, 9, 1, 0}, // LeNet-HPS conv1
        {8, 3, 36, 10, 9, 1, 0},
        {8, 1, 28, 16, 3, 1, 1},
        {8, 4, 12, 10, 3, 1, 1},
        {8, 3, 16, 13, 3, 2, 1},
        {8, 20, 12, 20, 3, 1, 1},
        {8, 64, 8, 13, 3, 1, 1},
        {4, 5, 9, 7, 3, 2, 0},
        {8, 16, 8, 32, 1, 1, 0},
        {8, 32, 10, 64, 3, 1, 1},
        // task-batched conv4 (the meta-batch folded into the channels): first layers, where the
        // fallback convolves group by group, and later ones with 32 and 64 filters
        {5, 4, 28, 256, 3, 1, 1, 4},
        {5, 12, 14, 20, 3, 1, 1, 4},
        {5, 128, 10, 128, 3, 1, 1, 4},
        {5, 256, 7, 256, 3, 2, 1, 4},
        {3, 96, 9, 39, 3, 1, 1, 3},
    };

    @AfterEach
    void junkFillOff() {
        CpuAllocator.setJunkFill(false);
    }

    private interface Conv {
        NDArray apply(NDArray x, NDArray w, NDArray b, int stride, int padding, int groups);
    }

    /** The largest error, relative to the float64 value's largest magnitude, of y, dL/dx, dL/dw, dL/db. */
    private static double worstError(Conv conv, int[] s, TorchAutograd autograd, NDManager m) {
        Rng rng = new Rng(17L * s[1] + s[3]);
        double[] x = new double[s[0] * s[1] * s[2] * s[2]];
        int groups = s.length > 7 ? s[7] : 1;
        double[] w = new double[s[3] * (s[1] / groups) * s[4] * s[4]];
        double[] b = new double[s[3]];
        for (double[] a : new double[][] {x, w, b}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rng.uniform(-1, 1); // float32-representable, so both types see the same numbers
            }
        }
        List<NDArray> results = new ArrayList<>();
        for (DataType type : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
            NDArray xs = m.create(x, new Shape(s[0], s[1], s[2], s[2])).toType(type, false).duplicate();
            NDArray ws = m.create(w, new Shape(s[3], s[1] / groups, s[4], s[4])).toType(type, false).duplicate();
            NDArray bs = m.create(b, new Shape(s[3])).toType(type, false).duplicate();
            NDList leaves = new NDList(xs, ws, bs);
            for (NDArray a : leaves) {
                a.setRequiresGradient(true);
            }
            try (var rec = autograd.record()) {
                NDArray y = type == DataType.FLOAT64
                        ? Conv2d.conv2d(xs, ws, bs, new Shape(s[5], s[5]), new Shape(s[6], s[6]), new Shape(1, 1),
                                groups).singletonOrThrow()
                        : conv.apply(xs, ws, bs, s[5], s[6], groups);
                NDList g = autograd.grad(y.mul(y).sum(), leaves, GraphMode.RELEASE);
                results.add(y.toType(DataType.FLOAT64, false));
                for (NDArray gi : g) {
                    results.add(gi.toType(DataType.FLOAT64, false));
                }
            }
            for (NDArray a : leaves) {
                a.setName(null);
            }
        }
        double worst = 0;
        for (int i = 0; i < 4; i++) {
            NDArray ref = results.get(i);
            NDArray got = results.get(i + 4);
            double err = got.sub(ref).abs().max().getDouble() / ref.abs().max().getDouble();
            worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : Math.max(worst, err);
        }
        return worst;
    }

    @Test
    void agreesWithFloat64OnEveryShapeAtOneAndTwoThreadsUnderJunkFill() {
        try (NDManager m = NDManager.newBaseManager()) {
            TorchAutograd autograd = new TorchAutograd(m);
            TorchConvolution conv = new TorchConvolution(m);
            Convolution ungrouped = conv::conv2d;
            StringBuilder report = new StringBuilder();
            double worst = 0;
            for (int threads : new int[] {1, 2}) {
                TorchEngine.setThreads(threads);
                CpuAllocator.setJunkFill(true);
                for (int[] s : SHAPES) {
                    try (NDManager step = m.newSubManager()) {
                        double err = worstError(conv::conv2d, s, autograd, step);
                        if (s.length > 7) {
                            // the api's default: groups one by one through the ungrouped kernel
                            err = Math.max(err, worstError(ungrouped::conv2d, s, autograd, step));
                        }
                        worst = Math.max(worst, err);
                        report.append(String.format("%n  threads %d, %s: %.2g", threads, java.util.Arrays.toString(s), err));
                    }
                }
                CpuAllocator.setJunkFill(false);
            }
            TorchEngine.setThreads(1);
            assertTrue(worst < 1e-5, "float32 convolution vs float64, relative max error:" + report);
        }
    }

    @Test
    void djlsChannelsFirstConvolutionIsTheTrapItAvoids() {
        try (NDManager m = NDManager.newBaseManager()) {
            TorchAutograd autograd = new TorchAutograd(m);
            TorchEngine.setThreads(1);
            Conv djl = (x, w, b, stride, padding, groups) -> Conv2d.conv2d(x, w, b, new Shape(stride, stride),
                    new Shape(padding, padding)).singletonOrThrow();
            double err = worstError(djl, SHAPES[0], autograd, m);
            assumeTrue(err > 1e-3, "this CPU's channels-first float32 convolution is right (error " + err
                    + "); the oneDNN trap could not be shown here");
        }
    }

    /**
     * A hidden layer with fewer than 4 input channels (tiny test networks: ResNet-12 of widths 2, 3,
     * ...): its input needs a gradient and is channels-last, being an earlier convolution's output,
     * so the native kernel gets it; its backward used to fail ("slow_conv2d: grad_weight must be
     * contiguous"). Gradients against DJL's channels-first float64 convolution.
     */
    @Test
    void aChannelsLastHiddenInputWithFewChannelsGetsItsGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            TorchAutograd autograd = new TorchAutograd(m);
            TorchConvolution conv = new TorchConvolution(m);
            TorchEngine.setThreads(1);
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                for (int kernel : new int[] {1, 3}) {
                    NDArray x0 = m.randomUniform(-1, 1, new Shape(2, 5, 8, 8)).toType(type, false).duplicate();
                    NDArray w0 = m.randomUniform(-1, 1, new Shape(3, 5, 1, 1)).toType(type, false).duplicate();
                    NDArray w = m.randomUniform(-1, 1, new Shape(4, 3, kernel, kernel)).toType(type, false).duplicate();
                    NDArray x64 = x0.toType(DataType.FLOAT64, false).duplicate();
                    NDArray w064 = w0.toType(DataType.FLOAT64, false).duplicate();
                    NDArray w64 = w.toType(DataType.FLOAT64, false).duplicate();
                    List<double[]> got = new ArrayList<>();
                    List<double[]> want = new ArrayList<>();
                    for (boolean ours : new boolean[] {true, false}) {
                        NDList leaves = ours ? new NDList(x0, w) : new NDList(x64, w64);
                        for (NDArray a : leaves) {
                            a.setRequiresGradient(true);
                        }
                        try (var rec = autograd.record()) {
                            NDArray y = ours
                                    ? conv.conv2d(conv.conv2d(x0, w0, null, 1, 0), w, null, 1, kernel / 2)
                                    : Conv2d.conv2d(Conv2d.conv2d(x64, w064).singletonOrThrow(), w64, null, new Shape(1, 1),
                                            new Shape(kernel / 2, kernel / 2)).singletonOrThrow();
                            for (NDArray g : autograd.grad(y.mul(y).sum(), leaves, GraphMode.RELEASE)) {
                                (ours ? got : want).add(g.toType(DataType.FLOAT64, false).toDoubleArray());
                            }
                        }
                        for (NDArray a : leaves) {
                            a.setName(null);
                        }
                    }
                    for (int i = 0; i < 2; i++) {
                        double scale = java.util.Arrays.stream(want.get(i)).map(Math::abs).max().orElseThrow();
                        for (int k = 0; k < want.get(i).length; k++) {
                            assertTrue(Math.abs(got.get(i)[k] - want.get(i)[k]) <= 1e-5 * scale,
                                    type + ", kernel " + kernel + ", gradient " + i + ", element " + k);
                        }
                    }
                }
            }
        }
    }

    /**
     * The gradient of a gradient through two convolutions (second-order MAML's shape: the first
     * layer's input is data, the second's an activation; 25 images of 28x28, as a 5-way 5-shot
     * support set) against float64, grouped and not, strided and not, at 1 and 2 threads, under
     * junk fill: inside {@code record(CREATE)} the convolutions are unfolded.
     */
    @Test
    void gradientsOfGradientsAgreeWithFloat64InsideASecondOrderScope() {
        try (NDManager m = NDManager.newBaseManager()) {
            TorchAutograd autograd = new TorchAutograd(m);
            TorchConvolution conv = new TorchConvolution(m);
            StringBuilder report = new StringBuilder();
            double worst = 0;
            for (int threads : new int[] {1, 2}) {
                TorchEngine.setThreads(threads);
                CpuAllocator.setJunkFill(true);
                for (int[] g : new int[][] {{1, 1}, {2, 1}, {1, 2}}) {
                    try (NDManager step = m.newSubManager()) {
                        double err = secondOrderError(conv, autograd, g[0], g[1], true, step);
                        worst = Math.max(worst, err);
                        report.append(String.format("%n  threads %d, groups %d, stride %d: %.2g", threads, g[0], g[1], err));
                    }
                }
                CpuAllocator.setJunkFill(false);
            }
            TorchEngine.setThreads(1);
            assertTrue(worst < 1e-4, "float32 second-order gradients vs float64, relative max error:" + report);
        }
    }

    /** The trap that the unfolded form avoids: oneDNN's convolution differentiated twice. */
    @Test
    void oneDnnsDoubleBackwardIsTheTrapItAvoids() {
        try (NDManager m = NDManager.newBaseManager()) {
            TorchAutograd autograd = new TorchAutograd(m);
            TorchConvolution conv = new TorchConvolution(m);
            TorchEngine.setThreads(1);
            CpuAllocator.setJunkFill(true);
            double err;
            try {
                err = secondOrderError(conv, autograd, 1, 1, false, m);
            } finally {
                CpuAllocator.setJunkFill(false);
            }
            assumeTrue(err > 1e-3, "this CPU's oneDNN double backward is right (error " + err
                    + "); the trap could not be shown here");
        }
    }

    /**
     * The largest error, relative to the float64 value's largest magnitude, of d|dL/dθ|²/dθ for θ
     * = both layers' weights, L the mean square of the second convolution's output.
     */
    private static double secondOrderError(TorchConvolution conv, TorchAutograd autograd, int groups, int stride,
            boolean scoped, NDManager m) {
        Rng rng = new Rng(23);
        int n = 25;
        int c = 2 * groups;
        double[] x = new double[n * c * 28 * 28];
        double[] w1 = new double[64 * 2 * 9];
        double[] w2 = new double[64 * (64 / groups) * 9];
        for (double[] a : new double[][] {x, w1, w2}) {
            double scale = a == x ? 1 : a == w1 ? 0.3 : 0.05;
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (scale * rng.uniform(-1, 1));
            }
        }
        List<double[]> results = new ArrayList<>();
        for (DataType type : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
            NDArray xs = m.create(x, new Shape(n, c, 28, 28)).toType(type, false).duplicate();
            NDArray a = m.create(w1, new Shape(64, 2, 3, 3)).toType(type, false).duplicate();
            NDArray b = m.create(w2, new Shape(64, 64 / groups, 3, 3)).toType(type, false).duplicate();
            NDList leaves = new NDList(a, b);
            for (NDArray l : leaves) {
                l.setRequiresGradient(true);
            }
            boolean reference = type == DataType.FLOAT64;
            try (var rec = reference || !scoped ? autograd.record() : autograd.record(GraphMode.CREATE)) {
                NDArray h = reference
                        ? Conv2d.conv2d(xs, a, null, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), groups)
                                .singletonOrThrow()
                        : conv.conv2d(xs, a, null, 1, 1, groups);
                h = ai.djl.nn.Activation.relu(h);
                h = reference
                        ? Conv2d.conv2d(h, b, null, new Shape(stride, stride), new Shape(1, 1), new Shape(1, 1), groups)
                                .singletonOrThrow()
                        : conv.conv2d(h, b, null, stride, 1, groups);
                NDList g = autograd.grad(h.mul(h).mean(), leaves, GraphMode.CREATE);
                NDArray norm = g.get(0).mul(g.get(0)).sum().add(g.get(1).mul(g.get(1)).sum());
                for (NDArray gi : autograd.grad(norm, leaves, GraphMode.RELEASE)) {
                    results.add(gi.toType(DataType.FLOAT64, false).toDoubleArray());
                }
            }
            for (NDArray l : leaves) {
                l.setName(null);
            }
        }
        double worst = 0;
        for (int i = 0; i < 2; i++) {
            double[] want = results.get(i);
            double[] got = results.get(i + 2);
            double scale = java.util.Arrays.stream(want).map(Math::abs).max().orElseThrow();
            for (int k = 0; k < want.length; k++) {
                double e = Math.abs(got[k] - want[k]) / scale;
                worst = Double.isNaN(e) ? Double.POSITIVE_INFINITY : Math.max(worst, e);
            }
        }
        return worst;
    }
}
