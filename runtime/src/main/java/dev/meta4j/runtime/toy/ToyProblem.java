package dev.meta4j.runtime.toy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.autograd.Scalar;
import java.util.List;

/**
 * The two-task toy problem of CAGrad (Liu et al., NeurIPS 2021, {@code toy.py} in
 * Cranial-XIX/CAGrad) in the form that Nash-MTL (Navon et al., ICML 2022) and FAMO (Liu et al.,
 * NeurIPS 2023) use: the first loss multiplied by {@code scale = 0.1}, so that the two task
 * gradients differ in size as well as direction.
 *
 * <p>With {@code x = (x1, x2)}, {@code c1 = max(tanh(x2 / 2), 0)} and {@code c2 = max(tanh(-x2 /
 * 2), 0)} (one of them is 0 everywhere):
 *
 * <pre>
 *   l1 = scale * ( c1 (log max(|-x1/2 - 7/2 + tanh x2|, 5e-6) + 6) + c2 (((x1 - 7)^2 + (x2 + 8)^2 / 10) / 10 - 20) )
 *   l2 =         c1 (log max(|-x1/2 + 7/2 - tanh x2|, 5e-6) + 6) + c2 (((x1 + 7)^2 + (x2 + 8)^2 / 10) / 10 - 20)
 * </pre>
 *
 * The upper half plane ({@code x2 > 0}) holds two logarithmic valleys (each loss falls to {@code
 * log(5e-6) + 6 = -6.2} along a curve where its absolute value vanishes; inside the clamp its
 * gradient is 0 but for the {@code c1} factor); the lower half plane holds two quadratic bowls
 * that make up the Pareto set, see {@link ParetoSet}. Every loss is bounded below: {@code l1 >
 * -2 > -2.1}, {@code l2 > -20 > -21}; {@link #LOWER_BOUNDS} are the bounds that the FAMO toy script
 * gives FAMO as its minimum losses.
 *
 * <p>Two evaluations, which agree: {@link #losses} records the losses with the engine's autograd
 * (for the weighting methods; {@code torch.clamp} semantics, so that at {@code x2 = 0} the
 * gradient of {@code c1} and {@code c2} passes as in the papers' PyTorch code), and {@link
 * #values}/{@link #gradients} evaluate them in Java doubles with {@link StrictMath} (for the
 * landscape, the Pareto test and the tables).
 */
public final class ToyProblem {

    /** The factor on the first loss (the Nash-MTL and FAMO toy scripts' {@code --scale}). */
    public static final double SCALE = 0.1;

    /** The lower clamp inside the logarithms ({@code LOWER} in the CAGrad script). */
    public static final double LOWER = 5e-6;

    /** Lower bounds of the two losses, {@code (-21 scale, -21)}, as the FAMO toy script sets them. */
    public static final double[] LOWER_BOUNDS = {-21 * SCALE, -21};

    /** The five starting points of the Nash-MTL and FAMO toy scripts. */
    public static final List<double[]> STARTS = List.of(
            new double[] {-8.5, 7.5},
            new double[] {0.0, 0.0},
            new double[] {9.0, 9.0},
            new double[] {-7.5, -0.5},
            new double[] {9.0, -1.0});

    private ToyProblem() {}

    /**
     * Constants of the recorded computation, created once in a long-lived manager in memory that
     * PyTorch owns (see {@link Scalar}), and always used as the second operand so that results
     * land in the step's manager.
     */
    public static final class Constants implements AutoCloseable {
        private final NDManager manager;
        final NDArray minusHalf;
        final NDArray half;
        final NDArray plusMinus;
        final NDArray offsets;
        final NDArray six;
        final NDArray sevens;
        final NDArray eight;
        final NDArray tenth;
        final NDArray twenty;
        final NDArray scales;
        final NDArray lowerBounds;
        final DataType dataType;

        /**
         * Creates the constants.
         *
         * @param parent a manager that outlives every step that uses them
         * @param dataType the type of the parameter
         */
        public Constants(NDManager parent, DataType dataType) {
            this.manager = parent.newSubManager();
            this.dataType = dataType;
            minusHalf = scalar(-0.5);
            half = scalar(0.5);
            plusMinus = vector(1, -1);
            offsets = vector(-3.5, 3.5);
            six = scalar(6);
            sevens = vector(-7, 7);
            eight = scalar(8);
            tenth = scalar(0.1);
            twenty = scalar(20);
            scales = vector(SCALE, 1);
            lowerBounds = vector(LOWER_BOUNDS[0], LOWER_BOUNDS[1]);
        }

        private NDArray scalar(double v) {
            return Scalar.of(manager, v, dataType);
        }

        private NDArray vector(double a, double b) {
            return Scalar.vector(manager, new double[] {a, b}, dataType);
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /**
     * The two losses, recorded for differentiation when called inside a recording scope.
     *
     * @param x the parameter {@code [2]}, attached to the step's manager
     * @param k the constants
     * @return {@code [l1, l2]}, in {@code x}'s manager
     */
    public static NDArray losses(NDArray x, Constants k) {
        NDArray x1 = x.get(0);
        NDArray x2 = x.get(1);
        NDArray t = x2.tanh();
        // [u1, u2] = x1 * (-1/2) + (+tanh x2, -tanh x2) + (-7/2, 7/2)
        NDArray u = x1.mul(k.minusHalf).add(t.mul(k.plusMinus)).add(k.offsets);
        // clip(min, max) keeps its bound arrays alive in u's manager until the step ends
        double top = k.dataType == DataType.FLOAT64 ? Double.MAX_VALUE : Float.MAX_VALUE;
        NDArray logs = u.abs().clip(LOWER, top).log().add(k.six);
        // [c1, c2] = max(+-tanh(x2 / 2), 0)
        NDArray c = x2.mul(k.half).tanh().mul(k.plusMinus).clip(0, top);
        // [b1, b2] = ((x1 -+ 7)^2 + (x2 + 8)^2 / 10) / 10 - 20
        NDArray q = x2.add(k.eight).square().mul(k.tenth);
        NDArray bowls = x1.add(k.sevens).square().add(q).mul(k.tenth).sub(k.twenty);
        NDArray mixed = logs.mul(c.get(0)).add(bowls.mul(c.get(1)));
        return mixed.mul(k.scales);
    }

    /**
     * The losses shifted by their lower bounds, {@code l - LOWER_BOUNDS}, which are positive
     * everywhere: what the study hands the weighting methods.
     *
     * @param losses the recorded losses
     * @param k the constants
     * @return the shifted losses, recorded
     */
    public static NDArray shifted(NDArray losses, Constants k) {
        return losses.sub(k.lowerBounds);
    }

    /**
     * The shifted losses as their first-order expansion at the current point, {@code l(x0) + J(x0)
     * (x - x0) - LOWER_BOUNDS}, with {@code l} and its Jacobian {@code J} evaluated in Java doubles
     * ({@link #values}, {@link #gradients}) and rounded to the parameter's type. At {@code x = x0},
     * where it is evaluated, its value and its gradient are exactly the toy's, so every objective
     * built from it, and every per-task gradient, has the toy's gradient: all that a weighting
     * method differentiates. Three engine ops instead of the thirty of {@link #losses}.
     */
    public static final class Expansion {
        private final float[] jacobian;
        private final float[] shiftedLosses;
        private final float[] at;

        /**
         * Evaluates the toy at a point.
         *
         * @param x0 the point
         */
        public Expansion(float[] x0) {
            double[] l = values(x0[0], x0[1]);
            double[][] g = gradients(x0[0], x0[1]);
            this.at = x0.clone();
            this.jacobian = new float[] {(float) g[0][0], (float) g[0][1], (float) g[1][0], (float) g[1][1]};
            this.shiftedLosses = new float[] {(float) (l[0] - LOWER_BOUNDS[0]), (float) (l[1] - LOWER_BOUNDS[1])};
        }

        /**
         * The recorded shifted losses {@code l0 + (x - x0) J^T}.
         *
         * @param x the float32 parameter {@code [2]} at {@code x0}, attached to the step's manager
         * @param m the step's manager
         * @return {@code [2]}, recorded when called inside a recording scope
         */
        public NDArray losses(NDArray x, NDManager m) {
            // the constants are leaves in m, which keeps their memory until the step ends
            NDArray x0 = m.create(at);
            NDArray jt = m.create(new float[] {jacobian[0], jacobian[2], jacobian[1], jacobian[3]}, new Shape(2, 2));
            NDArray l0 = m.create(shiftedLosses);
            return x.sub(x0).matMul(jt).add(l0);
        }

        /**
         * The per-task gradients, the rows of {@code J}: what autograd returns for {@link #losses}.
         *
         * @param m the step's manager
         * @return {@code [2, 2]}, row {@code i} the gradient of loss {@code i}
         */
        public NDArray jacobian(NDManager m) {
            return m.create(jacobian, new Shape(2, 2));
        }
    }

    /**
     * The two losses in Java doubles.
     *
     * @param x1 first coordinate
     * @param x2 second coordinate
     * @return {@code {l1, l2}}
     */
    public static double[] values(double x1, double x2) {
        double t = StrictMath.tanh(x2);
        double u1 = -0.5 * x1 - 3.5 + t;
        double u2 = -0.5 * x1 + 3.5 - t;
        double th = StrictMath.tanh(0.5 * x2);
        double c1 = Math.max(th, 0);
        double c2 = Math.max(-th, 0);
        double q = 0.01 * (x2 + 8) * (x2 + 8);
        double b1 = 0.1 * ((x1 - 7) * (x1 - 7)) + q - 20;
        double b2 = 0.1 * ((x1 + 7) * (x1 + 7)) + q - 20;
        double l1 = StrictMath.log(Math.max(Math.abs(u1), LOWER)) + 6;
        double l2 = StrictMath.log(Math.max(Math.abs(u2), LOWER)) + 6;
        return new double[] {SCALE * (c1 * l1 + c2 * b1), c1 * l2 + c2 * b2};
    }

    /**
     * The gradients of the two losses in Java doubles, with the one-sided conventions of {@code
     * torch.clamp} (the gradient passes where the input equals the bound).
     *
     * @param x1 first coordinate
     * @param x2 second coordinate
     * @return {@code {grad l1, grad l2}}, each {@code {d/dx1, d/dx2}}
     */
    public static double[][] gradients(double x1, double x2) {
        double t = StrictMath.tanh(x2);
        double sech2 = 1 - t * t;
        double u1 = -0.5 * x1 - 3.5 + t;
        double u2 = -0.5 * x1 + 3.5 - t;
        double th = StrictMath.tanh(0.5 * x2);
        double dth = 0.5 * (1 - th * th);
        double c1 = Math.max(th, 0);
        double c2 = Math.max(-th, 0);
        double dc1 = th >= 0 ? dth : 0;
        double dc2 = -th >= 0 ? -dth : 0;
        double l1 = StrictMath.log(Math.max(Math.abs(u1), LOWER)) + 6;
        double l2 = StrictMath.log(Math.max(Math.abs(u2), LOWER)) + 6;
        double dl1 = Math.abs(u1) >= LOWER ? 1 / u1 : 0;
        double dl2 = Math.abs(u2) >= LOWER ? 1 / u2 : 0;
        double q = 0.01 * (x2 + 8) * (x2 + 8);
        double dq = 0.02 * (x2 + 8);
        double b1 = 0.1 * ((x1 - 7) * (x1 - 7)) + q - 20;
        double b2 = 0.1 * ((x1 + 7) * (x1 + 7)) + q - 20;
        double[] g1 = {
            SCALE * (c1 * dl1 * -0.5 + c2 * 0.2 * (x1 - 7)),
            SCALE * (c1 * dl1 * sech2 + dc1 * l1 + c2 * dq + dc2 * b1)
        };
        double[] g2 = {
            c1 * dl2 * -0.5 + c2 * 0.2 * (x1 + 7),
            c1 * dl2 * -sech2 + dc1 * l2 + c2 * dq + dc2 * b2
        };
        return new double[][] {g1, g2};
    }
}
