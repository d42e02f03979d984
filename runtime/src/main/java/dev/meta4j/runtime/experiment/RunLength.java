package dev.meta4j.runtime.experiment;

import com.typesafe.config.Config;
import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.runtime.config.ConfigError.Problem;
import java.util.OptionalLong;

/**
 * How long a run trains and how often it logs and validates, in steps: {@code experiment.steps}
 * or {@code epochs} (for algorithms that have epochs), {@code eval-every} or {@code
 * eval-every-epochs}. Worked out from the created algorithm, before any run folder exists, so
 * that {@code validate} and {@code run} reject the same configs.
 *
 * @param totalSteps the steps of the run
 * @param stepsPerEpoch the algorithm's steps per epoch, 0 if it has no epochs
 * @param logEvery steps between lines of {@code metrics.jsonl}
 * @param evalEvery steps between validations, 0 for the end only
 */
public record RunLength(long totalSteps, long stepsPerEpoch, long logEvery, long evalEvery) {

    /**
     * Reads the run length of an experiment.
     *
     * @param ex the {@code experiment} section, merged over its defaults
     * @param stepsPerEpoch the algorithm's steps per epoch, empty for one that samples tasks
     * @return the run length
     * @throws ConfigError for epochs with an algorithm that has none, or a step count beyond a long
     */
    public static RunLength of(Config ex, OptionalLong stepsPerEpoch) {
        long spe = stepsPerEpoch.orElse(0);
        long total = ex.hasPath("epochs")
                ? epochs(ex, "epochs", stepsPerEpoch, "experiment.steps") : ex.getLong("steps");
        long eval = ex.hasPath("eval-every-epochs")
                ? epochs(ex, "eval-every-epochs", stepsPerEpoch, "experiment.eval-every") : ex.getLong("eval-every");
        return new RunLength(total, spe, ex.getLong("log-every"), eval);
    }

    private static long epochs(Config ex, String key, OptionalLong stepsPerEpoch, String instead) {
        if (stepsPerEpoch.isEmpty()) {
            throw new ConfigError(Problem.at(ex.getValue(key).origin(), "experiment." + key,
                    "this algorithm samples tasks and has no epochs; set " + instead + " instead"));
        }
        try {
            return Math.multiplyExact(ex.getLong(key), stepsPerEpoch.getAsLong());
        } catch (ArithmeticException e) {
            throw new ConfigError(Problem.at(ex.getValue(key).origin(), "experiment." + key,
                    ex.getLong(key) + " epochs of " + stepsPerEpoch.getAsLong() + " steps are more steps than a long holds"));
        }
    }
}
