package dev.meta4j.runtime.engine;

import ai.djl.engine.EngineException;
import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * libtorch's junk fill, a debugging aid of its CPU allocator ({@code c10::alloc_cpu}, which hands
 * out every CPU tensor, oneDNN scratch and reordered-weight buffer): while it is on, every new
 * allocation holds {@code 0x7fedbeef}, a float NaN, until written. A kernel that reads memory it
 * never wrote then fails every time instead of whenever the recycled heap bytes happen to form a
 * NaN. A test aid: it shows that meta4j's kernels read only what they wrote; and a diagnostic: a
 * run whose loss turns NaN only sometimes (the signature of such a read) does so every time with
 * {@code META4J_JUNK_FILL=1} in its environment, which the engine reads when it loads. It slows
 * every allocation down.
 *
 * <p>The switch is {@code FLAGS_caffe2_cpu_allocator_do_junk_fill}, an exported boolean of {@code
 * libc10}, read on every allocation. libtorch aborts the process if its zero fill is on at the same
 * time; meta4j never turns that on.
 */
public final class CpuAllocator {

    /** The environment variable that turns junk fill on for a whole run. */
    static final String ENV = "META4J_JUNK_FILL";

    private static final String JUNK_FILL = "FLAGS_caffe2_cpu_allocator_do_junk_fill";

    private static Pointer junkFill;

    private CpuAllocator() {}

    /**
     * Turns junk fill on or off; it takes effect with the next allocation.
     *
     * @param on the new value
     */
    public static void setJunkFill(boolean on) {
        TorchEngine.get();
        write(on);
    }

    /** Sets the flag of an engine that is loaded (or being loaded, by {@link TorchEngine}). */
    static synchronized void write(boolean on) {
        if (junkFill == null) {
            Path c10 = Path.of(LibUtils.getLibtorchPath()).resolve(System.mapLibraryName("c10"));
            if (!Files.isRegularFile(c10)) {
                throw new EngineException("could not find libc10 at " + c10);
            }
            junkFill = NativeLibrary.getInstance(c10.toString()).getGlobalVariableAddress(JUNK_FILL);
        }
        junkFill.setByte(0, (byte) (on ? 1 : 0));
    }
}
