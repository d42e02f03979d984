package dev.meta4j.weighting;

import com.typesafe.config.Config;
import java.util.Arrays;
import java.util.List;

/** An optional list of fixed per-task weights from a plugin's settings; absent means all 1. */
final class FixedTaskWeights {

    private final String method;
    private final String key;
    private final double[] weights;

    private FixedTaskWeights(String method, String key, double[] weights) {
        this.method = method;
        this.key = key;
        this.weights = weights;
    }

    /**
     * Reads the list under {@code key}; null or absent means every task weighs 1.
     *
     * @param method the method's name, for messages
     * @param config the plugin's settings
     * @param key the key of the list
     * @return the weights
     * @throws IllegalArgumentException if a weight is not finite
     */
    static FixedTaskWeights read(String method, Config config, String key) {
        if (!config.hasPath(key)) {
            return new FixedTaskWeights(method, key, null);
        }
        List<Double> list = config.getDoubleList(key);
        double[] w = new double[list.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = list.get(i);
            if (!Double.isFinite(w[i])) {
                throw new IllegalArgumentException(method + "." + key + "[" + i + "] is not finite: " + w[i]);
            }
        }
        return new FixedTaskWeights(method, key, w);
    }

    /**
     * The weights for a step with {@code k} tasks.
     *
     * @param k the task count
     * @return a fresh array of {@code k} weights
     * @throws IllegalArgumentException if a configured list has another length
     */
    double[] forTasks(int k) {
        if (weights == null) {
            double[] ones = new double[k];
            Arrays.fill(ones, 1.0);
            return ones;
        }
        if (weights.length != k) {
            throw new IllegalArgumentException(method + "." + key + " has " + weights.length + " weights for " + k
                    + " tasks; give one weight per task, or null for all 1");
        }
        return weights.clone();
    }
}
