package dev.meta4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;

/**
 * {@link Autograd} on DJL's PyTorch engine through {@code torch.autograd.grad} in TorchScript.
 *
 * <p>Why not {@code backward(create_graph=true)}: the gradient it stores on a leaf holds a graph
 * that points back to the leaf, a cycle that Python breaks with {@code p.grad = None} and DJL
 * cannot; memory then grows every meta-step. {@code autograd.grad} returns the gradients instead
 * of storing them, so they die with the step's manager. How the module is called, and its traps:
 * {@link TorchScriptModule}.
 */
public final class TorchAutograd implements Autograd {

    private static final String CLASS_NAME = "Grad";

    private final TorchScriptModule module;

    /**
     * Compiles the gradient module.
     *
     * @param manager a long-lived manager that owns the module
     */
    public TorchAutograd(NDManager manager) {
        String[] methods = new String[GraphMode.values().length];
        for (GraphMode mode : GraphMode.values()) {
            methods[mode.ordinal()] = methodName(mode);
        }
        module = new TorchScriptModule(manager, CLASS_NAME, source(), methods);
    }

    @Override
    public Scope record() {
        return switchTo(true);
    }

    @Override
    public Scope record(GraphMode mode) {
        Scope grad = switchTo(true);
        Scope twice = HigherOrder.enter(mode == GraphMode.CREATE);
        return () -> {
            twice.close();
            grad.close();
        };
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
        NDList call = new NDList(inputs.size() + 1);
        output.setName(null);
        call.add(output);
        for (NDArray x : inputs) {
            x.setName("xs[]");
            call.add(x);
        }
        return module.call(methodName(mode), call);
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
