package dev.meta4j.weighting;

import dev.meta4j.api.StateDict;

/**
 * Adam on a short vector of Java doubles, with exactly the arithmetic of PyTorch's {@code
 * torch.optim.Adam} (no amsgrad): {@code g += weight_decay * x}; {@code m = b1 m + (1 - b1) g};
 * {@code v = b2 v + (1 - b2) g^2}; {@code x -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) +
 * eps)}. For a method's own few numbers (FAMO's task logits), where tensor ops would cost more
 * than the arithmetic.
 */
final class DoubleAdam {

    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPS = 1e-8;

    private final double lr;
    private final double weightDecay;
    private double[] m;
    private double[] v;
    private long t;

    /**
     * An optimizer with PyTorch's default betas (0.9, 0.999) and eps (1e-8).
     *
     * @param lr the learning rate
     * @param weightDecay the L2 coefficient added to the gradient (not decoupled)
     */
    DoubleAdam(double lr, double weightDecay) {
        this.lr = lr;
        this.weightDecay = weightDecay;
    }

    /**
     * One step, in place.
     *
     * @param x the parameters, updated
     * @param gradient their gradient (not modified)
     */
    void step(double[] x, double[] gradient) {
        if (m == null) {
            m = new double[x.length];
            v = new double[x.length];
        }
        if (m.length != x.length || gradient.length != x.length) {
            throw new IllegalArgumentException("Adam state has " + m.length + " entries, got " + x.length
                    + " parameters and " + gradient.length + " gradients");
        }
        t++;
        double bias1 = 1 - StrictMath.pow(BETA1, t);
        double bias2Sqrt = Math.sqrt(1 - StrictMath.pow(BETA2, t));
        double stepSize = lr / bias1;
        for (int i = 0; i < x.length; i++) {
            double g = gradient[i] + weightDecay * x[i];
            m[i] = BETA1 * m[i] + (1 - BETA1) * g;
            v[i] = BETA2 * v[i] + (1 - BETA2) * g * g;
            double denom = Math.sqrt(v[i]) / bias2Sqrt + EPS;
            x[i] -= stepSize * m[i] / denom;
        }
    }

    /**
     * The number of steps taken.
     *
     * @return {@code t}
     */
    long steps() {
        return t;
    }

    void saveState(StateDict state) {
        state.putLong("step", t);
        if (m != null) {
            state.putNumbers("m", m);
            state.putNumbers("v", v);
        }
    }

    void loadState(StateDict state) {
        t = state.getLong("step");
        m = state.contains("m") ? state.getNumbers("m") : null;
        v = state.contains("v") ? state.getNumbers("v") : null;
    }
}
