package dev.meta4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A parameter-free TorchScript module compiled from source at run time, whose methods take and
 * return tensors.
 *
 * <p>Two traps, both measured: a method must run with DJL's {@code isTrain = true}, because the
 * other entry points run under a no-grad guard and silently drop the graph; and every input
 * {@code IValue} must be closed, or it keeps its tensor's whole graph alive. DJL's {@code NDList}
 * entry point does both; it takes list arguments by naming arrays {@code xs[]} and picks the method
 * from a marker array named {@code module_method:NAME}. An array keeps its name, so a caller must
 * clear the names of arrays that another module's call named.
 */
final class TorchScriptModule {

    private final PtSymbolBlock module;
    private final Map<String, NDArray> markers = new HashMap<>();

    /**
     * Compiles a module.
     *
     * @param manager a long-lived manager that owns the module and its method markers
     * @param className the module's class, defined in {@code source}
     * @param source the TorchScript source of {@code __torch__}
     * @param methods the methods that {@link #call} may name
     */
    TorchScriptModule(NDManager manager, String className, String source, String... methods) {
        TorchEngine.get();
        try {
            Path file = Files.createTempFile("meta4j-" + className.toLowerCase(Locale.ROOT), ".pt");
            try {
                TorchScriptArchive.write(file, className, source);
                module = JniUtils.loadModule((PtNDManager) manager, file, true, new String[0], new String[0], false);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the TorchScript module " + className, e);
        }
        for (String method : methods) {
            NDArray marker = manager.create(0f);
            marker.setName("module_method:" + method);
            markers.put(method, marker);
        }
    }

    /**
     * Calls a method.
     *
     * @param method one of the methods given at construction
     * @param arguments the tensor arguments in order, list elements named {@code xs[]}
     * @return the method's results, in the first argument's manager
     */
    NDList call(String method, NDList arguments) {
        NDArray marker = markers.get(method);
        if (marker == null) {
            throw new IllegalArgumentException("no method " + method + " in this module");
        }
        NDList call = new NDList(arguments.size() + 1);
        call.addAll(arguments);
        call.add(marker);
        return IValueUtils.forward(module, call, true);
    }
}
