package dev.meta4j.runtime.experiment;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Whether two resolved configs are the same experiment: the question behind skipping a finished
 * run and resuming an interrupted one in a fixed folder (suites, {@code run --run-dir}).
 *
 * <p>They are when they are equal but for where and how the run executes: the resume-safe keys
 * (threads, plots, checkpoint frequency: {@code run --resume} accepts exactly these) and the index
 * of a CUDA device. Executors place runs ({@code experiment.threads} split over workers,
 * {@code cuda:1} for the second worker), and a suite moved from one executor to another must not
 * take its finished runs for stale ones. {@code cpu} against {@code cuda} is a different
 * experiment: the numbers differ.
 */
public final class RunIdentity {

    /** The keys that may change when a run resumes, as {@code run --help} lists them. */
    public static final String RESUME_SAFE_TEXT = "experiment.threads, experiment.plots,"
            + " experiment.checkpoint-every, experiment.checkpoint-every-seconds";

    /** {@link #RESUME_SAFE_TEXT} as keys. */
    public static final List<String> RESUME_SAFE = List.of(RESUME_SAFE_TEXT.split(", "));

    private static final Pattern CUDA_INDEX = Pattern.compile("(cuda|gpu):\\d+");

    private RunIdentity() {}

    /**
     * Compares two resolved configs, as {@code config.conf} holds them.
     *
     * @param a one config's text
     * @param b the other's
     * @return true if they describe the same experiment (a text that does not parse is never the same)
     */
    public static boolean sameExperiment(String a, String b) {
        if (a.equals(b)) {
            return true;
        }
        try {
            return identity(ConfigFactory.parseString(a)).root().equals(identity(ConfigFactory.parseString(b)).root());
        } catch (ConfigException e) {
            return false;
        }
    }

    private static Config identity(Config c) {
        Config out = c;
        for (String key : RESUME_SAFE) {
            out = out.withoutPath(key);
        }
        if (out.hasPath("experiment.device")) {
            String device = String.valueOf(out.getValue("experiment.device").unwrapped());
            if (CUDA_INDEX.matcher(device).matches()) {
                out = out.withValue("experiment.device", ConfigValueFactory.fromAnyRef("cuda"));
            }
        }
        return out;
    }
}
