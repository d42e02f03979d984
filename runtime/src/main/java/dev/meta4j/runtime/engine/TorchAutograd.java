package dev.meta4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * {@link Autograd} on DJL's PyTorch engine through {@code torch.autograd.grad} in TorchScript.
 *
 * <p>Why not {@code backward(create_graph=true)}: the gradient it stores on a leaf holds a graph
 * that points back to the leaf, a cycle that Python breaks with {@code p.grad = None} and DJL
 * cannot; memory then grows every meta-step. {@code autograd.grad} returns the gradients instead
 * of storing them, so they die with the step's manager.
 *
 * <p>Two traps, both measured: the module must run with DJL's {@code isTrain = true}, because the
 * other entry points run under a no-grad guard and silently drop second-order terms; and every
 * input {@code IValue} must be closed, or it keeps its tensor's whole graph alive. DJL's
 * {@code NDList} entry point does both; it takes list arguments by naming arrays {@code xs[]} and
 * picks the method from a marker array named {@code module_method:NAME}.
 */
public final class TorchAutograd implements Autograd {

    private static final String CLASS_NAME = "Grad";

    private final PtSymbolBlock module;
    private final Map<GraphMode, NDArray> methodMarkers = new EnumMap<>(GraphMode.class);

    /**
     * Compiles the gradient module.
     *
     * @param manager a long-lived manager that owns the module
     */
    public TorchAutograd(NDManager manager) {
        TorchEngine.get();
        try {
            Path file = Files.createTempFile("meta4j-grad", ".pt");
            try {
                TorchScriptArchive.write(file, CLASS_NAME, source());
                module =
                        JniUtils.loadModule(
                                (PtNDManager) manager, file, true, new String[0], new String[0], false);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the TorchScript gradient module", e);
        }
        for (GraphMode mode : GraphMode.values()) {
            NDArray marker = manager.create(0f);
            marker.setName("module_method:" + methodName(mode));
            methodMarkers.put(mode, marker);
        }
    }

    @Override
    public Scope record() {
        return switchTo(true);
    }

    @Override
    public Scope pause() {
        return switchTo(false);
    }

    private static Scope switchTo(boolean enabled) {
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
        return () -> JniUtils.setGradMode(previous);
    }

    @Override
    public NDList grad(NDArray output, NDList inputs, GraphMode mode) {
        if (output.getShape().dimension() != 0 && output.size() != 1) {
            throw new IllegalArgumentException(
                    "grad needs a scalar output, got shape " + output.getShape());
        }
        NDList call = new NDList(inputs.size() + 2);
        output.setName(null);
        call.add(output);
        for (NDArray x : inputs) {
            x.setName("xs[]");
            call.add(x);
        }
        call.add(methodMarkers.get(mode));
        return IValueUtils.forward(module, call, true);
    }

    private static String methodName(GraphMode mode) {
        return switch (mode) {
            case RELEASE -> "release";
            case RETAIN -> "retain";
            case CREATE -> "create";
        };
    }

    private static String source() {
        StringBuilder sb = new StringBuilder();
        sb.append("class ").append(CLASS_NAME).append("(Module):\n");
        sb.append("  __parameters__ = []\n  __buffers__ = []\n  training : bool\n");
        for (GraphMode mode : GraphMode.values()) {
            boolean create = mode == GraphMode.CREATE;
            boolean retain = mode != GraphMode.RELEASE;
            sb.append(method(methodName(mode), retain, create));
        }
        return sb.toString();
    }

    // Unused inputs come back as None (allow_unused=True); they are replaced by zeros so that
    // the result is a plain List[Tensor].
    private static String method(String name, boolean retain, boolean create) {
        return "  def " + name + "(self: __torch__." + CLASS_NAME
                + ", y: Tensor, xs: List[Tensor]) -> List[Tensor]:\n"
                + "    gs = torch.autograd.grad([y], xs, None, " + py(retain) + ", " + py(create) + ", True)\n"
                + "    out = annotate(List[Tensor], [])\n"
                + "    for i in range(torch.len(xs)):\n"
                + "      g = gs[i]\n"
                + "      if torch.__is__(g, None):\n"
                + "        _0 = torch.append(out, torch.zeros_like(xs[i]))\n"
                + "      else:\n"
                + "        _1 = torch.append(out, unchecked_cast(Tensor, g))\n"
                + "    return out\n";
    }

    private static String py(boolean b) {
        return b ? "True" : "False";
    }
}
