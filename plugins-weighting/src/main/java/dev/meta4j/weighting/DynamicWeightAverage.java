package dev.meta4j.weighting;

import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;
import java.util.Arrays;

/**
 * Dynamic weight average (DWA; Liu, Johns &amp; Davison, "End-to-End Multi-Task Learning with
 * Attention", CVPR 2019, eq. 7): the objective {@code sum_k w_k l_k} with
 *
 * <pre>
 *   w_k(e) = K exp(r_k(e-1) / T) / sum_i exp(r_i(e-1) / T),   r_k(e-1) = L_k(e-1) / L_k(e-2)
 * </pre>
 *
 * where {@code L_k(e)} is task {@code k}'s training loss averaged over the steps of epoch
 * {@code e} (as LibMTL's {@code train_loss_buffer}), {@code T} the temperature (2 in the paper)
 * and {@code w = 1} until two epochs have been seen (epochs 0 and 1). The weights change only
 * when {@link TaskSignals#epoch()} does.
 *
 * <p><b>Form</b> ({@code form}). {@code paper}, the default, is the above: the paper's eq. 7 and
 * the authors' own code (MTAN's trainers: per-epoch average losses, {@code sum_k w_k l_k}) and
 * LibMTL. {@code reference-code} is the variant of the FAMO and Nash-MTL repositories, whose
 * tables users compare with ({@link DwaSlidingWindow}): ratios of the means of two sliding windows
 * of {@code window} step losses (25 there), the buffer padded with ones at the start, the weights
 * recomputed every step, and the objective the <i>mean</i> {@code (1/K) sum_k w_k l_k}, so its
 * update is {@code K} times smaller than the paper's for the same weights. The temperature is the
 * same {@code T} (2 there). In that form the logged weights are the effective ones, {@code
 * w_k / K}, the gradient of the objective with respect to the losses (the repositories log
 * {@code w_k}). The default stays {@code paper} because it is the method as published and as its
 * authors ran it; {@code reference-code} is for reproducing the FAMO/Nash-MTL numbers.
 *
 * <p>Loss-based ({@link Need#LOSSES}). State ({@code paper}): the running sums of the current
 * epoch and the two last epoch averages, saved by {@link #saveState}; {@code reference-code}
 * saves its window instead. Guards, where the paper divides by zero: an
 * epoch average of exactly 0 followed by 0 gives the ratio 1 (no change), followed by a
 * positive average the ratio {@code +inf}, whose softmax limit puts all of the weight {@code K}
 * on the task(s) concerned; the softmax itself is computed without overflow. If epochs are
 * skipped, the two most recent epochs that had steps are compared. The logged weights are
 * {@code w}.
 */
public final class DynamicWeightAverage implements WeightingMethod {

    private final double temperature;
    private final DwaSlidingWindow slidingWindow; // null: the paper's form

    private long epoch = -1;
    private double[] sums;
    private long count;
    private double[] last;
    private double[] beforeLast;

    DynamicWeightAverage(double temperature, String form, int window) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("dwa.temperature must be positive and finite, got " + temperature);
        }
        this.temperature = temperature;
        this.slidingWindow = switch (form) {
            case "paper" -> null;
            case "reference-code" -> new DwaSlidingWindow(window, temperature);
            default -> throw new IllegalArgumentException("dwa.form must be paper or reference-code, got '" + form + "'");
        };
    }

    @Override
    public Need need(long step) {
        return Need.LOSSES;
    }

    @Override
    public Combination combine(TaskSignals signals) {
        double[] l = LossVectors.values(signals.losses());
        if (slidingWindow != null) {
            double[] w = slidingWindow.next(l);
            for (int i = 0; i < w.length; i++) {
                w[i] /= w.length; // the mean of the weighted losses
            }
            return Combination.weighted(
                    signals.losses(), LossVectors.constant(signals.manager(), w, signals.losses().getDataType()));
        }
        if (sums == null) {
            sums = new double[l.length];
        }
        LossVectors.checkTaskCount("dwa", sums.length, l.length);
        if (signals.epoch() != epoch) {
            if (signals.epoch() < epoch) {
                throw new IllegalStateException(
                        "dwa saw epoch " + signals.epoch() + " after epoch " + epoch + "; epochs must not go back");
            }
            closeEpoch();
            epoch = signals.epoch();
        }
        double[] w = weights();
        for (int i = 0; i < l.length; i++) {
            sums[i] += l[i];
        }
        count++;
        return Combination.weighted(
                signals.losses(), LossVectors.constant(signals.manager(), w, signals.losses().getDataType()));
    }

    /** Turns the running sums into the newest epoch average, if the epoch had steps. */
    private void closeEpoch() {
        if (count == 0) {
            return;
        }
        double[] mean = new double[sums.length];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = sums[i] / count;
        }
        beforeLast = last;
        last = mean;
        Arrays.fill(sums, 0);
        count = 0;
    }

    /** This epoch's weights: {@code K softmax(r / T)}, or all 1 before two epochs are known. */
    private double[] weights() {
        int k = sums.length;
        double[] w = new double[k];
        if (beforeLast == null) {
            Arrays.fill(w, 1.0);
            return w;
        }
        double[] x = new double[k];
        for (int i = 0; i < k; i++) {
            x[i] = ratio(last[i], beforeLast[i]) / temperature;
        }
        double[] p = StableSoftmax.of(x);
        for (int i = 0; i < k; i++) {
            w[i] = k * p[i];
        }
        return w;
    }

    /** {@code newer / older}, with 0 / 0 = 1 and x / 0 = {@code +-inf}: the guard of both forms. */
    static double ratio(double newer, double older) {
        if (older == 0) {
            return newer == 0 ? 1 : Math.copySign(Double.POSITIVE_INFINITY, newer);
        }
        return newer / older;
    }

    @Override
    public void saveState(StateDict state) {
        if (slidingWindow != null) {
            slidingWindow.saveState(state);
            return;
        }
        state.putLong("epoch", epoch);
        state.putLong("count", count);
        if (sums != null) {
            state.putNumbers("sums", sums);
        }
        if (last != null) {
            state.putNumbers("last-epoch-mean", last);
        }
        if (beforeLast != null) {
            state.putNumbers("epoch-before-last-mean", beforeLast);
        }
    }

    @Override
    public void loadState(StateDict state) {
        if (slidingWindow != null) {
            slidingWindow.loadState(state);
            return;
        }
        epoch = state.getLong("epoch");
        count = state.getLong("count");
        sums = state.contains("sums") ? state.getNumbers("sums") : null;
        last = state.contains("last-epoch-mean") ? state.getNumbers("last-epoch-mean") : null;
        beforeLast = state.contains("epoch-before-last-mean") ? state.getNumbers("epoch-before-last-mean") : null;
    }

    /** Registers {@code dwa}. */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {
        @Override
        public String name() {
            return "dwa";
        }

        @Override
        public String summary() {
            return "Dynamic weight average (Liu et al. 2019): weights from the ratio of the last two epoch losses"
                    + " (or the FAMO/Nash-MTL code's sliding windows)";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            Config c = ctx.config();
            return new DynamicWeightAverage(c.getDouble("temperature"), c.getString("form"), c.getInt("window"));
        }
    }
}
