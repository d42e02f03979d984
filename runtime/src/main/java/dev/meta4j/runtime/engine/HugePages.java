package dev.meta4j.runtime.engine;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Turns on libtorch's transparent-huge-page allocations ({@code THP_MEM_ALLOC_ENABLE=1}) for this
 * process unless the environment already says something about them.
 *
 * <p>Why it is the default: without it, glibc hands large tensors out as fresh {@code mmap}s and
 * takes them back when freed, so every training step page-faults (and zeroes) its activations in
 * again: ~80,000 minor faults a step for Conv4 ProtoNet, which ran at a fifth of the speed of the
 * same run in a process whose heap was already warm. With it, allocations of 2 MB or more are
 * 2 MB-aligned and {@code madvise}d for huge pages: 10× fewer faults and 2-3× the speed on every
 * CPU run measured, with a lower peak RSS, and the same numbers bit for bit (DESIGN.md,
 * "Performance notes", has the measurements and the qualification runs). It only changes where
 * memory comes from, so a difference in numbers would mean a kernel reads memory it never wrote;
 * {@link CpuAllocator}'s junk fill is the tool that finds such a kernel.
 *
 * <p>libtorch reads the variable once, at its first CPU allocation, so this must run before the
 * engine loads. {@code THP_MEM_ALLOC_ENABLE=0} in the environment turns it off; on a kernel whose
 * {@code transparent_hugepage} mode is {@code never} it is a no-op.
 */
final class HugePages {

    /** libtorch's switch (c10's {@code is_thp_alloc_enabled}). */
    static final String ENV = "THP_MEM_ALLOC_ENABLE";

    private HugePages() {}

    /**
     * Sets {@link #ENV} to 1 in the process environment, on Linux, where it is not set.
     *
     * @return whether huge-page allocation is on for this process
     */
    static boolean enableUnlessSet() {
        String set = System.getenv(ENV);
        if (set != null) {
            return set.trim().equals("1");
        }
        if (!Platform.isLinux()) {
            return false;
        }
        // overwrite = 0: a value that another thread set since getenv above wins
        int rc =
                NativeLibrary.getInstance(Platform.C_LIBRARY_NAME)
                        .getFunction("setenv")
                        .invokeInt(new Object[] {ENV, "1", 0});
        return rc == 0;
    }
}
