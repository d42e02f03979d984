package dev.meta4j.weighting;

import com.google.auto.service.AutoService;
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
 * when {@link TaskSignals#epoch()} does. The FAMO/Nash-MTL repositories instead average over
 * sliding windows of iterations and take the mean rather than the sum; this follows the paper
 * and LibMTL.
 *
 * <p>Loss-based ({@link Need#LOSSES}). State: the running sums of the current epoch and the two
 * last epoch averages, saved by {@link #saveState}. Guards, where the paper divides by zero: an
 * epoch average of exactly 0 followed by 0 gives the ratio 1 (no change), followed by a
 * positive average the ratio {@code +inf}, whose softmax limit puts all of the weight {@code K}
 * on the task(s) concerned; the softmax itself is computed without overflow. If epochs are
 * skipped, the two most recent epochs that had steps are compared. The logged weights are
 * {@code w}.
 */
public final class DynamicWeightAverage implements WeightingMethod {

    private final double temperature;

    private long epoch = -1;
    private double[] sums;
    private long count;
    private double[] last;
    private double[] beforeLast;

    DynamicWeightAverage(double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("dwa.temperature must be positive and finite, got " + temperature);
        }
        this.temperature = temperature;
    }

    @Override
    public Need need(long step) {
        return Need.LOSSES;
    }

    @Override
    public Combination combine(TaskSignals signals) {
        double[] l = LossVectors.values(signals.losses());
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

    private static double ratio(double newer, double older) {
        if (older == 0) {
            return newer == 0 ? 1 : Math.copySign(Double.POSITIVE_INFINITY, newer);
        }
        return newer / older;
    }

    @Override
    public void saveState(StateDict state) {
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
            return "Dynamic weight average (Liu et al. 2019): weights from the ratio of the last two epoch losses";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            return new DynamicWeightAverage(ctx.config().getDouble("temperature"));
        }
    }
}
