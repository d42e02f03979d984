package dev.meta4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine turns libtorch's huge-page allocations on before it loads, and the environment's own
 * {@code THP_MEM_ALLOC_ENABLE} wins. Seen from libtorch itself: with them on, c10 aligns every
 * allocation to a page (so that {@code madvise(MADV_HUGEPAGE)} may be applied to it); with them
 * off, to 64 bytes, and a 12 MB block then starts 64 bytes past a page when glibc {@code mmap}s it
 * (or anywhere, 1 time in 64 a page, when it comes from the heap). Each case runs in a fresh JVM,
 * because libtorch reads the variable once, at its first allocation.
 */
class HugePagesTest {

    private static final long PAGE = 4096;

    /** Child JVM: loads the engine as meta4j does and prints each large tensor's address mod 2 MB. */
    public static void main(String[] args) {
        TorchEngine.get();
        try (NDManager m = NDManager.newBaseManager()) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                NDArray a = m.zeros(new Shape(3 << 20)); // 12 MB
                Pointer p = Native.getDirectBufferPointer(((PtNDArray) a).toByteBuffer(true));
                out.append(Pointer.nativeValue(p) % PAGE == 0 ? 'P' : 'u');
            }
            System.out.println("ALIGNED " + out);
        }
    }

    @Test
    void onByDefaultOnLinux() throws Exception {
        assumeTrue(Platform.isLinux());
        assertEquals("PPPP", probe(null));
    }

    @Test
    void theEnvironmentsZeroTurnsThemOff() throws Exception {
        assumeTrue(Platform.isLinux());
        assertNotEquals("PPPP", probe("0"));
    }

    private static String probe(String env) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path")));
        String cache = System.getProperty("DJL_CACHE_DIR");
        if (cache != null) {
            cmd.add(1, "-DDJL_CACHE_DIR=" + cache);
        }
        cmd.add(HugePagesTest.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove(HugePages.ENV);
        if (env != null) {
            pb.environment().put(HugePages.ENV, env);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("probe JVM failed:\n" + out);
        }
        return out.lines().filter(l -> l.startsWith("ALIGNED ")).findFirst()
                .orElseThrow(() -> new AssertionError("no probe line in:\n" + out))
                .substring("ALIGNED ".length());
    }
}
