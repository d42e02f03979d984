package dev.meta4j.runtime.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The process's peak resident memory (Linux's {@code VmHWM}), reset when a run starts, so that a
 * worker that runs cell after cell reports each cell's own peak rather than the worst so far.
 *
 * <p>The peak counts everything the process holds: the JVM, the engine's native arrays and the
 * dataset; a suite's cost table reports it per run. Where {@code /proc} is missing or not writable
 * (macOS, a locked-down container) there is no figure, and nothing fails.
 */
final class PeakMemory {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private PeakMemory() {}

    /**
     * Sets the high-water mark back to the current RSS (writing 5 to {@code clear_refs}, Linux 4.0
     * and later).
     *
     * @return whether it could
     */
    static boolean reset() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** @return the peak RSS since the last reset (or the process start), in KiB, if the system says */
    static OptionalLong peakKib() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    return OptionalLong.of(Long.parseLong(line.substring(6).trim().split("\\s+")[0]));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no figure on this system
        }
        return OptionalLong.empty();
    }
}
