package dev.meta4j.runtime.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads DJL's PyTorch engine from the native jar on the classpath, never from the network.
 *
 * <p>{@code ai.djl.offline} defaults to true so that a missing native jar fails loudly instead
 * of starting a download, and {@code DJL_CACHE_DIR} defaults to {@code ~/.djl.ai}, where the
 * natives are extracted once. Before the natives load, libtorch's huge-page allocations are
 * switched on ({@link HugePages}: the environment's {@code THP_MEM_ALLOC_ENABLE} wins).
 */
public final class TorchEngine {

    private static final Logger LOG = LoggerFactory.getLogger(TorchEngine.class);

    private static volatile Engine engine;

    private TorchEngine() {}

    /**
     * The engine, loaded on first use.
     *
     * @return the PyTorch engine
     * @throws EngineException with a hint when the natives cannot be loaded
     */
    public static Engine get() {
        Engine e = engine;
        if (e == null) {
            synchronized (TorchEngine.class) {
                e = engine;
                if (e == null) {
                    e = load();
                    engine = e;
                }
            }
        }
        return e;
    }

    private static Engine load() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
            System.setProperty(
                    "DJL_CACHE_DIR", Path.of(System.getProperty("user.home"), ".djl.ai").toString());
        }
        boolean hugePages = HugePages.enableUnlessSet();
        Engine loaded;
        try {
            loaded = Engine.getEngine("PyTorch");
        } catch (RuntimeException | UnsatisfiedLinkError ex) {
            throw new EngineException(
                    "could not load the PyTorch engine from the classpath: "
                            + ex.getMessage()
                            + ". meta4j expects ai.djl.pytorch:pytorch-native-cpu:2.7.1 (classifier"
                            + " linux-x86_64) and pytorch-jni on the classpath; with -Pcuda, set"
                            + " PYTORCH_LIBRARY_PATH to a CUDA build of libtorch 2.7.1 (see README).",
                    ex);
        }
        LOG.debug("libtorch huge-page allocations ({}): {}", HugePages.ENV, hugePages ? "on" : "off");
        if ("1".equals(System.getenv(CpuAllocator.ENV))) {
            CpuAllocator.write(true);
            LOG.info(
                    "{}=1: every new CPU tensor is filled with NaN until written (a diagnostic;"
                            + " slower)",
                    CpuAllocator.ENV);
        }
        return loaded;
    }

    /**
     * Sets PyTorch's intra-op thread count. Small tensors run fastest on one thread (no
     * OpenMP hand-off per op); convolutions over large batches gain from more.
     *
     * @param threads the thread count, at least 1
     */
    public static void setThreads(int threads) {
        get();
        JniUtils.setNumThreads(threads);
    }

    /**
     * Parses {@code cpu}, {@code cuda} or {@code cuda:N} and checks that the device exists.
     *
     * @param spec the device as written in a config
     * @return the device
     * @throws IllegalArgumentException for an unknown spec or a CUDA device that is not visible
     */
    public static Device device(String spec) {
        String s = spec.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        int id;
        if (s.equals("cuda") || s.equals("gpu")) {
            id = 0;
        } else if (s.matches("(cuda|gpu):\\d+")) {
            id = Integer.parseInt(s.substring(s.indexOf(':') + 1));
        } else {
            throw new IllegalArgumentException(
                    "device '" + spec + "' is not one of cpu, cuda, cuda:N");
        }
        int visible = get().getGpuCount();
        if (visible == 0) {
            throw new IllegalArgumentException(
                    "device '"
                            + spec
                            + "' asks for CUDA, but this engine sees no GPU (it was built with"
                            + " the CPU natives, or no CUDA driver is visible). To run on CUDA,"
                            + " build with `mvn -Pcuda package` and point PYTORCH_LIBRARY_PATH at a"
                            + " CUDA 12.8 build of libtorch 2.7.1 (README, section CUDA); or set"
                            + " experiment.device = cpu.");
        }
        if (id >= visible) {
            throw new IllegalArgumentException(
                    "device '" + spec + "' does not exist: " + visible + " GPU(s) visible (cuda:0 .. cuda:"
                            + (visible - 1) + ")");
        }
        return Device.gpu(id);
    }
}
