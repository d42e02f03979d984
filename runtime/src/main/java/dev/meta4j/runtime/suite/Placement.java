package dev.meta4j.runtime.suite;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a cell runs when it shares a machine or gets a job's share of one: its intra-op threads
 * and its device, as overrides of its resolved config. Only keys that leave a run the same
 * experiment ({@code RunIdentity}) are set, so a cell placed one way and resumed another is still
 * the same cell; a changed thread count can change the low digits of the numbers, as it does for
 * {@code run --resume}.
 */
final class Placement {

    private Placement() {}

    /**
     * Threads per worker when the settings leave it to meta4j: the cores divided among the
     * workers, at least 1, so that workers × threads stays within the cores.
     *
     * @param configured the setting (0: work it out)
     * @param workers the workers
     * @param cores the machine's cores
     * @return the threads of each worker
     */
    static int threadsPerWorker(int configured, int workers, int cores) {
        return configured > 0 ? configured : Math.max(1, cores / workers);
    }

    /**
     * The overrides that place a cell.
     *
     * @param cellConfig the cell's resolved config file
     * @param threads the threads it may use: a cell asking for all cores (0) or for more runs with this many
     * @param device the CUDA device to run on, or null for the cell's own; a CPU cell stays on
     *     the CPU (another device would make it another experiment)
     * @return the overrides, {@code key=value}
     * @throws IOException if the config cannot be read
     */
    static List<String> overrides(Path cellConfig, int threads, String device) throws IOException {
        Config c = ConfigFactory.parseString(Files.readString(cellConfig));
        List<String> out = new ArrayList<>();
        int own = c.hasPath("experiment.threads") ? c.getInt("experiment.threads") : 0;
        if (own == 0 || own > threads) {
            out.add("experiment.threads=" + threads);
        }
        String ownDevice = c.hasPath("experiment.device") ? c.getString("experiment.device") : "cpu";
        if (device != null && ownDevice.startsWith("cuda") && !device.equals(ownDevice)) {
            out.add("experiment.device=" + device);
        }
        return out;
    }
}
