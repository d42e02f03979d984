import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import com.sun.jna.NativeLibrary;
import java.nio.file.Path;
import java.util.Random;

/**
 * Stand-alone reproduction (plain DJL 0.36 + libtorch 2.7.1 CPU, no meta4j code) of the wrong and
 * NaN input gradients of float32 channels-first convolutions. For each shape it prints the relative
 * max error of the float32 forward pass, input gradient and weight gradient against float64 (which
 * libtorch computes with its native kernel, not oneDNN), first as is, then with libtorch's junk
 * fill (every new CPU allocation is the NaN 0x7fedbeef until written). {@code conv_backward_repro.py}
 * is the same check in PyTorch, with the channels-last comparison.
 *
 *   javac -cp "distribution/target/meta4j/lib/*" -d target/repro scripts/diagnostics/ConvBackwardRepro.java
 *   java -Dai.djl.offline=true -cp "target/repro:distribution/target/meta4j/lib/*" ConvBackwardRepro
 *   ONEDNN_MAX_CPU_ISA=AVX2 java ...   (or SSE41; ONEDNN_VERBOSE=1 names the kernels)
 */
public class ConvBackwardRepro {

    public static void main(String[] args) {
        Engine engine = Engine.getEngine("PyTorch");
        engine.setRandomSeed(0);
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        var junk = NativeLibrary.getInstance(Path.of(ai.djl.pytorch.jni.LibUtils.getLibtorchPath(), "libc10.so").toString())
                .getGlobalVariableAddress("FLAGS_caffe2_cpu_allocator_do_junk_fill");
        int[][] shapes = {{8, 10, 14, 20, 5}, {8, 10, 14, 16, 5}, {8, 10, 14, 32, 5}, {8, 1, 36, 10, 9}, {8, 64, 16, 13, 3}};
        for (String mode : new String[] {"plain", "junk-fill"}) {
            junk.setByte(0, (byte) (mode.equals("junk-fill") ? 1 : 0));
            for (int[] s : shapes) {
                System.out.printf("%-13s n=%d c=%d hw=%d o=%d k=%d: %s%n", mode, s[0], s[1], s[2], s[3], s[4],
                        errors(engine, s));
            }
        }
        junk.setByte(0, (byte) 0);
    }

    private static String errors(Engine engine, int[] s) {
        Random r = new Random(1);
        double[] x = new double[s[0] * s[1] * s[2] * s[2]];
        double[] w = new double[s[3] * s[1] * s[4] * s[4]];
        for (int i = 0; i < x.length; i++) x[i] = (float) (2 * r.nextDouble() - 1);
        for (int i = 0; i < w.length; i++) w[i] = (float) (0.2 * r.nextDouble() - 0.1);
        NDArray[][] out = new NDArray[2][];
        try (NDManager m = NDManager.newBaseManager()) {
            for (int v = 0; v < 2; v++) {
                DataType t = v == 0 ? DataType.FLOAT64 : DataType.FLOAT32;
                NDArray xs = m.create(x, new Shape(s[0], s[1], s[2], s[2])).toType(t, false).duplicate();
                NDArray ws = m.create(w, new Shape(s[3], s[1], s[4], s[4])).toType(t, false).duplicate();
                xs.setRequiresGradient(true);
                ws.setRequiresGradient(true);
                try (GradientCollector gc = engine.newGradientCollector()) {
                    NDArray y = Conv2d.conv2d(xs, ws, null).singletonOrThrow();
                    gc.backward(y.mul(y).sum());
                    out[v] = new NDArray[] {y.toType(DataType.FLOAT64, true).duplicate(),
                        xs.getGradient().toType(DataType.FLOAT64, true).duplicate(),
                        ws.getGradient().toType(DataType.FLOAT64, true).duplicate()};
                }
            }
            StringBuilder sb = new StringBuilder();
            String[] names = {"forward", "input grad", "weight grad"};
            for (int i = 0; i < 3; i++) {
                double e = out[1][i].sub(out[0][i]).abs().max().getDouble() / out[0][i].abs().max().getDouble();
                sb.append(String.format("%s %.2g  ", names[i], e));
            }
            return sb.toString();
        }
    }
}
