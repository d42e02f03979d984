package dev.meta4j.support.linear;

/**
 * Multinomial logistic regression with an L2 penalty on the weights, fitted by {@link Lbfgs}: the
 * objective of scikit-learn's {@code LogisticRegression(penalty='l2', C, solver='lbfgs',
 * multi_class='multinomial')} (1.2's {@code LinearModelLoss} with {@code HalfMultinomialLoss}),
 *
 * <pre>
 *   minimise over W [K, D], b [K]:  Σ_i ( logsumexp(W x_i + b) − (W x_i + b)_{y_i} ) + ‖W‖² / (2C)
 * </pre>
 *
 * summed over the samples (not averaged) with the intercept not penalised, started from zeros, and
 * stopped by scipy's rules with scikit-learn's {@code tol} as the gradient tolerance. The objective
 * is strictly convex in {@code W}; in {@code b} it is flat along {@code b + t·1} (a shift of every
 * logit), and because every gradient with respect to {@code b} sums to zero over the classes, the
 * iterates started at {@code b = 0} stay on {@code Σ_k b_k = 0}, where the minimiser is unique.
 * scikit-learn's iterates stay there for the same reason, so its intercepts are comparable as they
 * are. {@code StrictMath} keeps the numbers the same in every run (see DESIGN, "Java's Math.exp
 * ... are not reproducible across a run").
 */
public final class MultinomialLogisticRegression {

    /**
     * A fitted model.
     *
     * @param coefficients {@code [K][D]}, scikit-learn's {@code coef_}
     * @param intercepts {@code [K]}, its {@code intercept_}
     * @param solve how the solver ended
     */
    public record Model(double[][] coefficients, double[] intercepts, Lbfgs.Result solve) {

        /**
         * The class probabilities of samples, scikit-learn's {@code predict_proba}.
         *
         * @param x samples {@code [N][D]}
         * @return {@code [N][K]}
         */
        public double[][] probabilities(double[][] x) {
            int k = intercepts.length;
            double[][] out = new double[x.length][];
            for (int i = 0; i < x.length; i++) {
                double[] z = logits(coefficients, intercepts, x[i], new double[k]);
                double max = max(z);
                double sum = 0;
                for (int c = 0; c < k; c++) {
                    z[c] = StrictMath.exp(z[c] - max);
                    sum += z[c];
                }
                for (int c = 0; c < k; c++) {
                    z[c] /= sum;
                }
                out[i] = z;
            }
            return out;
        }

        /**
         * The most probable class of each sample (the lowest on a tie), scikit-learn's {@code predict}.
         *
         * @param x samples {@code [N][D]}
         * @return {@code [N]}
         */
        public int[] predict(double[][] x) {
            int[] out = new int[x.length];
            double[] z = new double[intercepts.length];
            for (int i = 0; i < x.length; i++) {
                logits(coefficients, intercepts, x[i], z);
                int best = 0;
                for (int c = 1; c < z.length; c++) {
                    if (z[c] > z[best]) {
                        best = c;
                    }
                }
                out[i] = best;
            }
            return out;
        }
    }

    private final double c;
    private final Lbfgs solver;

    /**
     * A regression.
     *
     * @param c the inverse penalty strength, scikit-learn's {@code C}
     * @param solver the minimiser ({@link Lbfgs#scipyDefaults} reproduces scikit-learn's stopping rules)
     */
    public MultinomialLogisticRegression(double c, Lbfgs solver) {
        if (!(c > 0) || Double.isInfinite(c)) {
            throw new IllegalArgumentException("the inverse regularisation C must be positive and finite, not " + c);
        }
        this.c = c;
        this.solver = solver;
    }

    /**
     * Fits the model.
     *
     * @param x samples {@code [N][D]}
     * @param y their classes in {@code [0, classes)}
     * @param classes {@code K}, at least 2
     * @return the fitted model
     */
    public Model fit(double[][] x, int[] y, int classes) {
        if (classes < 2 || x.length != y.length || x.length == 0) {
            throw new IllegalArgumentException("fit needs at least 2 classes and one label per sample; got " + classes
                    + " classes, " + x.length + " samples, " + y.length + " labels");
        }
        int dim = x[0].length;
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != dim || y[i] < 0 || y[i] >= classes) {
                throw new IllegalArgumentException("sample " + i + " has " + x[i].length + " features (expected " + dim
                        + ") and class " + y[i] + " (expected [0, " + classes + "))");
            }
        }
        int stride = dim + 1;
        double penalty = 1 / c;
        Lbfgs.Objective objective = (w, grad) -> {
            java.util.Arrays.fill(grad, 0);
            double loss = 0;
            double[] z = new double[classes];
            for (int i = 0; i < x.length; i++) {
                double[] xi = x[i];
                for (int k = 0; k < classes; k++) {
                    double sum = w[k * stride + dim];
                    int base = k * stride;
                    for (int j = 0; j < dim; j++) {
                        sum += w[base + j] * xi[j];
                    }
                    z[k] = sum;
                }
                double max = max(z);
                double norm = 0;
                for (int k = 0; k < classes; k++) {
                    norm += StrictMath.exp(z[k] - max);
                }
                double logSum = max + StrictMath.log(norm);
                loss += logSum - z[y[i]];
                for (int k = 0; k < classes; k++) {
                    double r = StrictMath.exp(z[k] - logSum) - (k == y[i] ? 1 : 0);
                    int base = k * stride;
                    for (int j = 0; j < dim; j++) {
                        grad[base + j] += r * xi[j];
                    }
                    grad[base + dim] += r;
                }
            }
            double squares = 0;
            for (int k = 0; k < classes; k++) {
                int base = k * stride;
                for (int j = 0; j < dim; j++) {
                    squares += w[base + j] * w[base + j];
                    grad[base + j] += penalty * w[base + j];
                }
            }
            return loss + 0.5 * penalty * squares;
        };
        Lbfgs.Result r = solver.minimize(objective, new double[classes * stride]);
        double[][] coefficients = new double[classes][dim];
        double[] intercepts = new double[classes];
        for (int k = 0; k < classes; k++) {
            System.arraycopy(r.x(), k * stride, coefficients[k], 0, dim);
            intercepts[k] = r.x()[k * stride + dim];
        }
        return new Model(coefficients, intercepts, r);
    }

    private static double[] logits(double[][] w, double[] b, double[] x, double[] out) {
        for (int k = 0; k < b.length; k++) {
            double sum = b[k];
            for (int j = 0; j < x.length; j++) {
                sum += w[k][j] * x[j];
            }
            out[k] = sum;
        }
        return out;
    }

    private static double max(double[] z) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            m = Math.max(m, v);
        }
        return m;
    }
}
