package dev.meta4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.meta4j.api.model.Convolution;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Convolution} on libtorch, routed to oneDNN's channels-last kernels on CPU.
 *
 * <p>On CPU the input and the weight are made channels-last ({@code NHWC}) before {@code
 * torch.conv2d}, so oneDNN runs its {@code acdb} kernels instead of the blocked {@code aBcd16b}
 * ones that {@code torch.conv2d} picks for channels-first float32 arrays. The blocked backward-data
 * kernel of libtorch 2.5/2.7 gives wrong input gradients whenever the output channels are not a
 * multiple of 16 (AVX-512; 8 on AVX2, where the forward pass is wrong too), and reads weight
 * padding it never wrote (NaN when the recycled heap bytes there are a NaN pattern). The
 * channels-last kernels agree with float64 to rounding, also under libtorch's junk fill, at the same
 * speed, except for the input gradient of a first layer (fewer than 4 input channels), which they
 * still read from uninitialised padding: such a convolution, when its input needs a gradient
 * (never for data), runs libtorch's native {@code _slow_conv2d_forward} (im2col and a GEMM) instead,
 * on channels-first copies: given a channels-last input (the output of an earlier convolution
 * here) its backward fails with "slow_conv2d: grad_weight must be contiguous" (libtorch 2.7).
 * {@code TorchConvolutionTest} sweeps the shapes; DESIGN.md has the measurements. A grouped
 * convolution (the task-batched meta-learners' folded layout) runs group by group on CPU: oneDNN's
 * grouped float32 kernels were wrong on an AVX-512 EPYC ({@code ConvMetaGradientTest}). Inside a
 * {@link TorchAutograd#record(dev.meta4j.api.autograd.GraphMode) record(CREATE)} scope (second-order
 * MAML) a CPU convolution is im2col and a matrix product instead, because the double backward
 * of oneDNN's convolution was wrong on that CPU too. On CUDA it
 * is plain {@code torch.conv2d} (cuDNN).
 */
public final class TorchConvolution implements Convolution {

    private static final String CLASS_NAME = "Conv";

    private final TorchScriptModule module;
    private final NDManager manager;
    private final Map<List<Integer>, NDArray> geometries = new ConcurrentHashMap<>();

    /**
     * Compiles the convolution module.
     *
     * @param manager a long-lived manager that owns the module
     */
    public TorchConvolution(NDManager manager) {
        this.manager = manager;
        this.module = new TorchScriptModule(manager, CLASS_NAME, source(), "conv2d", "conv2d_nobias");
    }

    @Override
    public NDArray conv2d(NDArray input, NDArray weight, NDArray bias, int stride, int padding) {
        return conv2d(input, weight, bias, stride, padding, 1);
    }

    @Override
    public NDArray conv2d(NDArray input, NDArray weight, NDArray bias, int stride, int padding, int groups) {
        if (stride < 1 || padding < 0) {
            throw new IllegalArgumentException(
                    "stride must be at least 1 and padding at least 0, got " + stride + " and " + padding);
        }
        long in = input.getShape().get(1);
        if (groups < 1 || in % groups != 0 || weight.getShape().get(0) % groups != 0
                || in / groups != weight.getShape().get(1)) {
            throw new IllegalArgumentException(groups + " groups do not fit an input of shape " + input.getShape()
                    + " and a weight of shape " + weight.getShape());
        }
        NDList call = bias == null ? new NDList(input, weight) : new NDList(input, weight, bias);
        for (NDArray a : call) {
            a.setName(null); // TorchAutograd names its inputs "xs[]" (a list element)
        }
        boolean twice = HigherOrder.active() && !input.getDevice().isGpu();
        call.add(geometry(stride, padding, groups, twice));
        return module.call(bias == null ? "conv2d_nobias" : "conv2d", call).singletonOrThrow();
    }

    // Stride, padding, groups and whether to unfold travel as a small int64 tensor, made once per
    // geometry in torch-owned memory (an array over a Java buffer aliases memory that the GC may free).
    private NDArray geometry(int stride, int padding, int groups, boolean twice) {
        List<Integer> key = List.of(stride, padding, groups, twice ? 1 : 0);
        return geometries.computeIfAbsent(key, k -> {
            try (NDArray wrapped = manager.create(new long[] {stride, padding, groups, twice ? 1 : 0})) {
                return wrapped.duplicate();
            }
        });
    }

    private static String source() {
        String head = "(self: __torch__." + CLASS_NAME + ", x: Tensor, w: Tensor";
        // On CPU a grouped convolution runs group by group, each an ordinary one: oneDNN's grouped
        // float32 kernels gave a task-batched MAML meta-gradient 120 % away from the task-by-task
        // one on an AVX-512 EPYC (ConvMetaGradientTest; correct on the CPUs before it), and
        // Reptile's 75-group non-transductive scoring near chance. Each group's slice is made
        // contiguous (a slice of a channels-last input is not).
        String body = "    s = int(g[0])\n    p = int(g[1])\n    gr = int(g[2])\n"
                + "    if x.is_cuda:\n"
                + "      return torch.conv2d(x, w, BIAS, [s, s], [p, p], [1, 1], gr)\n"
                + "    if int(g[3]) == 1:\n"
                + "      return self.unfolded(x, w, BIAS, s, p, gr)\n"
                + "    if gr == 1:\n"
                + "      return self.single(x, w, BIAS, s, p)\n"
                + "    xs = torch.chunk(x, gr, 1)\n"
                + "    ws = torch.chunk(w, gr, 0)\n"
                + "BIAS_CHUNKS"
                + "    outs: List[Tensor] = []\n"
                + "    for i in range(gr):\n"
                + "      outs.append(self.single(xs[i], ws[i], BIAS_I, s, p))\n"
                + "    return torch.cat(outs, 1)\n";
        String withBias = body.replace("BIAS_CHUNKS", "    bs = torch.chunk(b, gr, 0)\n").replace("BIAS_I", "bs[i]")
                .replace("BIAS", "b");
        String noBias = body.replace("BIAS_CHUNKS", "").replace("BIAS_I", "None").replace("BIAS", "None");
        // One ungrouped CPU convolution. A 1x1 kernel is a matrix product over the channels:
        // oneDNN's brgemm 1x1 primitive dies with SIGFPE while choosing its blocking
        // (brg_blocking_t::est_eff_1x1) on an AVX-512 EPYC, killing the JVM (DenseEndToEndTest).
        // Otherwise oneDNN's channels-last kernel, or, for an input with
        // fewer than 4 channels that needs its gradient, libtorch's native im2col + GEMM on
        // channels-first copies (see the class comment).
        String single = "  def single(self: __torch__." + CLASS_NAME
                + ", x: Tensor, w: Tensor, b: Optional[Tensor], s: int, p: int) -> Tensor:\n"
                + "    if torch.size(w, 2) == 1 and torch.size(w, 3) == 1 and p == 0:\n"
                + "      xs = x if s == 1 else x[:, :, ::s, ::s]\n"
                + "      y = torch.einsum('oi,nihw->nohw', torch.flatten(w, 1), xs)\n"
                + "      if b is not None:\n"
                + "        y = y + torch.reshape(b, [1, -1, 1, 1])\n"
                + "      return y\n"
                + "    if x.requires_grad and torch.size(x, 1) < 4:\n"
                + "      return torch._slow_conv2d_forward(torch.contiguous(x), torch.contiguous(w),"
                + " [torch.size(w, 2), torch.size(w, 3)], b, [s, s], [p, p])\n"
                + "    return torch.conv2d(torch.contiguous(x, memory_format=2), torch.contiguous(w, memory_format=2),"
                + " b, [s, s], [p, p], [1, 1], 1)\n";
        // A convolution that will be differentiated twice (second-order MAML): im2col and a
        // (grouped) matrix product, whose first and second derivatives are col2im, im2col and
        // matrix products. PyTorch differentiates a convolution's backward through convolutions
        // over transposed arrays (the batch as channels, the image as the kernel), and oneDNN's
        // kernel for those read memory it never wrote on an AVX-512 EPYC: NaN under junk fill,
        // a wrong meta-gradient without it, at 25 images of 28x28 (TorchConvolutionTest).
        String unfolded = "  def unfolded(self: __torch__." + CLASS_NAME
                + ", x: Tensor, w: Tensor, b: Optional[Tensor], s: int, p: int, gr: int) -> Tensor:\n"
                + "    n = torch.size(x, 0)\n    o = torch.size(w, 0)\n"
                + "    kh = torch.size(w, 2)\n    kw = torch.size(w, 3)\n"
                + "    oh = torch.floordiv(torch.size(x, 2) + 2 * p - kh, s) + 1\n"
                + "    ow = torch.floordiv(torch.size(x, 3) + 2 * p - kw, s) + 1\n"
                + "    cols = torch.im2col(torch.contiguous(x), [kh, kw], [1, 1], [p, p], [s, s])\n"
                + "    cols = torch.reshape(cols, [n, gr, -1, oh * ow])\n"
                + "    y = torch.matmul(torch.reshape(w, [gr, torch.floordiv(o, gr), -1]), cols)\n"
                + "    y = torch.reshape(y, [n, o, oh, ow])\n"
                + "    if b is not None:\n"
                + "      y = y + torch.reshape(b, [1, -1, 1, 1])\n"
                + "    return y\n";
        return "class " + CLASS_NAME + "(Module):\n"
                + "  __parameters__ = []\n  __buffers__ = []\n  training : bool\n"
                + "  def conv2d" + head + ", b: Tensor, g: Tensor) -> Tensor:\n" + withBias
                + "  def conv2d_nobias" + head + ", g: Tensor) -> Tensor:\n" + noBias
                + single + unfolded;
    }
}
