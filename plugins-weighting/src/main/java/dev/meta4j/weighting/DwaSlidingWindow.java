package dev.meta4j.weighting;

import dev.meta4j.api.StateDict;
import java.util.Arrays;

/**
 * The DWA weights as the FAMO and Nash-MTL repositories compute them ({@code
 * DynamicWeightAverage} in their {@code methods/weight_methods.py}, "modification of" MTAN's code),
 * per step rather than per epoch: a first-in first-out buffer of the last {@code 2W} step losses,
 * filled with ones at the start; from the call after the {@code W + 1}-th on (their {@code
 * running_iterations > iteration_window}), after the current losses are pushed,
 *
 * <pre>
 *   r_k = mean(newest W rows)_k / mean(oldest W rows)_k,   w_k = K exp(r_k / T) / sum_i exp(r_i / T)
 * </pre>
 *
 * and before that {@code w = 1}. The ones padding takes part in the means of the first {@code 2W}
 * steps, as there. Differences, both at rounding level or where the official code gives NaN: the
 * buffer holds doubles (the official one float32), the softmax subtracts the maximum before
 * {@link StrictMath#exp}, and a zero mean is guarded as in {@link DynamicWeightAverage} (0 / 0 is
 * 1, x / 0 is {@code +inf}).
 */
final class DwaSlidingWindow {

    private final int window;
    private final double temperature;

    private double[][] costs; // [2W][K], oldest row first
    private double[] weights;
    private long calls;

    DwaSlidingWindow(int window, double temperature) {
        if (window < 1) {
            throw new IllegalArgumentException("dwa.window must be at least 1, got " + window);
        }
        this.window = window;
        this.temperature = temperature;
    }

    /**
     * Pushes this step's losses and returns the step's weights {@code w} (summing to {@code K});
     * the official objective is their mean with the losses, {@code (1/K) sum_k w_k l_k}.
     *
     * @param losses the step's losses
     * @return {@code w}
     */
    double[] next(double[] losses) {
        int k = losses.length;
        if (costs == null) {
            costs = new double[2 * window][k];
            for (double[] row : costs) {
                Arrays.fill(row, 1.0);
            }
            weights = new double[k];
            Arrays.fill(weights, 1.0);
        }
        LossVectors.checkTaskCount("dwa", costs[0].length, k);
        System.arraycopy(costs, 1, costs, 0, costs.length - 1);
        costs[costs.length - 1] = losses.clone();
        if (calls > window) {
            double[] x = new double[k];
            for (int i = 0; i < k; i++) {
                x[i] = DynamicWeightAverage.ratio(mean(i, window, 2 * window), mean(i, 0, window)) / temperature;
            }
            double[] p = StableSoftmax.of(x);
            for (int i = 0; i < k; i++) {
                weights[i] = k * p[i];
            }
        }
        calls++;
        return weights.clone();
    }

    private double mean(int task, int from, int to) {
        double s = 0;
        for (int r = from; r < to; r++) {
            s += costs[r][task];
        }
        return s / (to - from);
    }

    void saveState(StateDict state) {
        state.putLong("calls", calls);
        if (costs != null) {
            double[] flat = new double[costs.length * costs[0].length];
            for (int r = 0; r < costs.length; r++) {
                System.arraycopy(costs[r], 0, flat, r * costs[0].length, costs[0].length);
            }
            state.putNumbers("window-losses", flat);
            state.putNumbers("weights", weights);
        }
    }

    void loadState(StateDict state) {
        calls = state.getLong("calls");
        if (!state.contains("window-losses")) {
            costs = null;
            weights = null;
            return;
        }
        weights = state.getNumbers("weights");
        double[] flat = state.getNumbers("window-losses");
        int k = weights.length;
        if (flat.length != 2 * window * k) {
            throw new IllegalStateException("dwa's saved window holds " + flat.length + " losses, but window = " + window
                    + " and " + k + " tasks need " + 2 * window * k + "; resume with the window the run was saved with");
        }
        costs = new double[2 * window][k];
        for (int r = 0; r < costs.length; r++) {
            System.arraycopy(flat, r * k, costs[r], 0, k);
        }
    }
}
