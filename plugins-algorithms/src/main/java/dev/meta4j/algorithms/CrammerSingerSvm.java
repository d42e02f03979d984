package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * MetaOptNet's SVM head (MetaOptNet-SVM): the Crammer–Singer multi-class SVM fitted to each
 * episode's support embeddings in its dual, and the query logits {@code Z Xᵀ α}.
 *
 * <p>The dual, per episode with {@code S} support embeddings {@code X}, Gram matrix
 * {@code K = X Xᵀ}, labels {@code y} and {@code M} classes, over {@code α ∈ R^{S×M}}:
 * <pre>
 *   min  ½ Σ_m α_mᵀ K α_m + ½ δ ||α||² − Σ_i α_i,y_i
 *   s.t. α_i,m ≤ C·[m = y_i],   Σ_m α_i,m = 0   for every i
 * </pre>
 * with {@code δ = svm-diagonal}: the official code adds {@code 1.0·I} to the {@code SM × SM}
 * block matrix {@code K ⊗ I} "to avoid PSD errors" of the QP solver, which makes the dual strictly
 * convex (a unique solution, hence a gradient) and is, in the primal, a squared-hinge-like
 * smoothing. This follows the code; the textbook dual ({@code δ = 0}) is refused, because its
 * solution need not be unique, and then neither is the gradient.
 *
 * <p><b>Solving and differentiating.</b> The paper differentiates the QP implicitly through its
 * KKT conditions with qpth (OptNet), a custom backward DJL cannot take. Instead: (1) a batched
 * primal-dual interior-point method (Mehrotra's predictor-corrector, in float64 tensor ops on the
 * embeddings' device, nothing recorded) solves every episode's dual and tells which bounds are
 * active; (2) the solution is then computed again, recorded, as the solution of the KKT system on
 * that active set, a linear system in {@code K} ({@code [SM + S]} square: stationarity for the free
 * entries, {@code α = bound} for the active ones, and the equalities). Its value is the QP's
 * solution and ordinary autograd through the engine's inverse gives exactly the implicit-function
 * derivative OptNet computes (both differentiate the KKT conditions at the optimum; they agree
 * wherever complementarity is strict, i.e. except on a set of measure zero where the active set
 * changes). Nothing is unrolled, so the backward pass costs one {@code [SM + S]} inverse, not the
 * iterations. The official code runs qpth for a fixed 15 iterations in training and 3 at test
 * ({@code maxIter}), whatever the residual; here the solver runs to {@code svm-tolerance} (relative
 * duality measure and residuals), capped at {@code svm-max-iterations}. The solution's value is
 * always that of the float64 system (the code runs qpth in float32); for float32 embeddings the
 * derivative is that of the same system recorded in float32.
 */
final class CrammerSingerSvm implements EpisodeHead {

    private final double c;
    private final double diagonal;
    private final int maxIterations;
    private final double tolerance;

    /**
     * The dual solution of a meta-batch.
     *
     * @param alpha {@code [T, S, M]}, differentiable in the Gram matrix
     * @param iterations interior-point iterations until every episode met the tolerance (or the cap)
     * @param converged whether every episode met the tolerance
     */
    record Solution(NDArray alpha, int iterations, boolean converged) {}

    CrammerSingerSvm(double c, double diagonal, int maxIterations, double tolerance) {
        if (!(c > 0)) {
            throw new IllegalArgumentException("svm-c must be positive, got " + c);
        }
        if (!(diagonal > 0)) {
            throw new IllegalArgumentException("svm-diagonal must be positive, got " + diagonal);
        }
        this.c = c;
        this.diagonal = diagonal;
        this.maxIterations = maxIterations;
        this.tolerance = tolerance;
    }

    @Override
    public NDArray logits(NDArray support, NDArray labels, NDArray query, int ways) {
        NDArray alpha = solve(EpisodeHead.gram(support, support), labels, ways).alpha();
        return EpisodeHead.gram(query, support).matMul(alpha);
    }

    /**
     * Solves the dual of every episode.
     *
     * @param kernel the support Gram matrices {@code [T, S, S]}
     * @param labels the support labels {@code [T, S]}
     * @param ways {@code M}
     * @return the solution
     */
    Solution solve(NDArray kernel, NDArray labels, int ways) {
        NDManager caller = kernel.getManager();
        long t = kernel.getShape().get(0);
        long n = kernel.getShape().get(1);
        long big = n * ways;
        NDArray kernel64 = kernel.stopGradient().toType(DataType.FLOAT64, false);
        NDArray onehot64 = EpisodeHead.oneHot(labels, ways, kernel64).reshape(t, big);
        NDArray bound64;
        int iterations;
        boolean converged;
        try (NDManager work = caller.newSubManager()) {
            NDArray k = kernel64.duplicate();
            k.attach(work);
            NDArray y = onehot64.duplicate();
            y.attach(work);
            InteriorPoint ip = new InteriorPoint(work, k, y, ways);
            ip.run();
            iterations = ip.iterations;
            converged = ip.converged;
            bound64 = ip.activeBounds();
            bound64.attach(caller);
        }
        if (kernel.getDataType() == DataType.FLOAT64) {
            return new Solution(kktSolve(kernel, onehot64, bound64, ways), iterations, converged);
        }
        // In float32 the KKT system of a Gram matrix with entries in the thousands loses the
        // solution's low digits: the value comes from the float64 system, the derivative from the
        // recorded system in the embeddings' type (a constant correction carries no gradient).
        DataType type = kernel.getDataType();
        NDArray exact = kktSolve(kernel64, onehot64, bound64, ways).toType(type, false);
        NDArray recorded = kktSolve(kernel, onehot64.toType(type, false), bound64.toType(type, false), ways);
        NDArray alpha = recorded.add(exact.sub(recorded.stopGradient()));
        return new Solution(alpha, iterations, converged);
    }

    /**
     * The solution on a given active set, recorded: stationarity {@code (Gα)_e + ν_i = y_e} for
     * every free entry {@code e = (i, m)}, {@code α_e = C·y_e} for every active one, and
     * {@code Σ_m α_i,m = 0}.
     */
    private NDArray kktSolve(NDArray kernel, NDArray onehot, NDArray bound, int ways) {
        NDManager m = kernel.getManager();
        DataType type = kernel.getDataType();
        long t = kernel.getShape().get(0);
        long n = kernel.getShape().get(1);
        long big = n * ways;
        NDArray g = blockKernel(kernel, ways, diagonal);
        NDArray free = bound.neg().add(1).expandDims(2);
        NDArray eye = m.eye((int) big, (int) big, 0, type).expandDims(0);
        NDArray at = equalities(m, n, ways, type).transpose().expandDims(0).broadcast(t, big, n);
        NDArray top = g.mul(free).add(eye.mul(bound.expandDims(2))).concat(at.mul(free), 2);
        NDArray bottom = equalities(m, n, ways, type).expandDims(0).broadcast(t, n, big)
                .concat(m.zeros(new Shape(t, n, n), type), 2);
        NDArray system = top.concat(bottom, 1);
        NDArray rhs = onehot.mul(bound.mul(c).add(free.squeeze(2))).concat(m.zeros(new Shape(t, n), type), 1);
        NDArray z = system.inverse().matMul(rhs.expandDims(2)).squeeze(2);
        return z.get(":, 0:" + big).reshape(t, n, ways);
    }

    /** {@code K ⊗ I_M + δ I}, {@code [T, SM, SM]}, entries ordered {@code i·M + m}. */
    static NDArray blockKernel(NDArray kernel, int ways, double diagonal) {
        NDManager m = kernel.getManager();
        DataType type = kernel.getDataType();
        long t = kernel.getShape().get(0);
        long n = kernel.getShape().get(1);
        long big = n * ways;
        NDArray eyeM = m.eye(ways, ways, 0, type).reshape(1, 1, ways, 1, ways);
        NDArray block = kernel.reshape(t, n, 1, n, 1).mul(eyeM).reshape(t, big, big);
        return block.add(m.eye((int) big, (int) big, 0, type).mul(diagonal).expandDims(0));
    }

    /** The equality constraints' matrix {@code I_S ⊗ 1_Mᵀ}, {@code [S, SM]}. */
    private static NDArray equalities(NDManager m, long n, int ways, DataType type) {
        return m.eye((int) n, (int) n, 0, type).reshape(n, n, 1).mul(m.ones(new Shape(1, 1, ways), type))
                .reshape(n, n * ways);
    }

    /**
     * Mehrotra's predictor-corrector on {@code min ½ xᵀGx + cᵀx, x ≤ u, A x = 0} with
     * {@code c = −y}, {@code u = C y}, slacks {@code s = u − x}, multipliers {@code λ} and
     * {@code ν}; one Newton system {@code [[G + diag(λ/s), Aᵀ], [A, 0]]} per episode and
     * iteration, inverted once for both the predictor and the corrector. Episodes that meet the
     * tolerance stop moving while the others go on, so a batch's result does not depend on what
     * else is in it.
     */
    private final class InteriorPoint {
        private final NDManager work;
        private final long t;
        private final long n;
        private final long big;
        private final NDArray g;
        private final NDArray cost;
        private final NDArray upper;
        private final NDArray a;
        private final NDArray eyeBig;
        private NDArray x;
        private NDArray lam;
        private NDArray nu;
        private double[] mu0;
        private double[] rd0;
        int iterations;
        boolean converged;

        InteriorPoint(NDManager work, NDArray kernel, NDArray y, int ways) {
            this.work = work;
            this.t = kernel.getShape().get(0);
            this.n = kernel.getShape().get(1);
            this.big = n * ways;
            this.g = blockKernel(kernel, ways, diagonal);
            this.cost = y.neg();
            this.upper = y.mul(c);
            this.a = equalities(work, n, ways, DataType.FLOAT64);
            this.eyeBig = work.eye((int) big, (int) big, 0, DataType.FLOAT64).expandDims(0);
            // Strictly inside: ε below the bound 0 off the label, (M - 1)ε on it, rows summing to 0.
            double eps = c / (2.0 * ways);
            this.x = y.mul(ways * eps).sub(eps);
            this.lam = x.onesLike();
            this.nu = work.zeros(new Shape(t, n), DataType.FLOAT64);
        }

        void run() {
            boolean[] done = new boolean[(int) t];
            for (iterations = 0; iterations <= maxIterations; iterations++) {
                NDArray[] next;
                try (NDManager it = work.newSubManager()) {
                    for (NDArray v : List.of(g, cost, upper, a, eyeBig, x, lam, nu)) {
                        v.tempAttach(it);
                    }
                    NDArray s = upper.sub(x);
                    NDArray rd = g.matMul(x.expandDims(2)).squeeze(2).add(cost).add(lam)
                            .add(nu.matMul(a));
                    double[] mu = lam.mul(s).mean(new int[] {1}).toDoubleArray();
                    double[] rdMax = rd.abs().max(new int[] {1}).toDoubleArray();
                    if (mu0 == null) {
                        mu0 = mu;
                        rd0 = rdMax;
                    }
                    boolean all = true;
                    double[] moving = new double[(int) t];
                    for (int i = 0; i < t; i++) {
                        done[i] |= mu[i] <= tolerance * mu0[i] && rdMax[i] <= tolerance * (1 + rd0[i]);
                        all &= done[i];
                        moving[i] = done[i] ? 0 : 1;
                    }
                    if (all || iterations == maxIterations) {
                        converged = all;
                        break;
                    }
                    NDArray d = lam.div(s);
                    NDArray top = g.add(eyeBig.mul(d.expandDims(1))).concat(a.transpose().expandDims(0)
                            .broadcast(t, big, n), 2);
                    NDArray bottom = a.expandDims(0).broadcast(t, n, big).concat(it.zeros(new Shape(t, n, n),
                            DataType.FLOAT64), 2);
                    NDArray inv = top.concat(bottom, 1).inverse();
                    NDArray rp = x.matMul(a.transpose()).neg();
                    // Predictor: the affine-scaling direction (complementarity target 0).
                    NDArray[] aff = direction(inv, rd.neg().add(lam), rp);
                    NDArray dlA = lam.neg().add(d.mul(aff[0]));
                    NDArray dsA = aff[0].neg();
                    NDArray stepA = stepLength(s, dsA, lam, dlA, 1.0);
                    NDArray muA = lam.add(dlA.mul(stepA)).mul(s.add(dsA.mul(stepA))).mean(new int[] {1}, true);
                    NDArray muNow = lam.mul(s).mean(new int[] {1}, true);
                    NDArray sigma = muA.div(muNow).pow(3);
                    // Corrector: centring σμ and the second-order term of the predictor.
                    NDArray target = sigma.mul(muNow).sub(dlA.mul(dsA));
                    NDArray[] cor = direction(inv, rd.neg().sub(target.div(s)).add(lam), rp);
                    NDArray dl = target.div(s).sub(lam).add(d.mul(cor[0]));
                    NDArray step = stepLength(s, cor[0].neg(), lam, dl, 0.99)
                            .mul(it.create(moving, new Shape(t, 1)));
                    next = new NDArray[] {x.add(cor[0].mul(step)), lam.add(dl.mul(step)), nu.add(cor[1].mul(step))};
                    for (NDArray v : next) {
                        v.attach(work);
                    }
                }
                // The old iterate goes only after the iteration's manager has handed it back.
                x.close();
                lam.close();
                nu.close();
                x = next[0];
                lam = next[1];
                nu = next[2];
            }
        }

        private NDArray[] direction(NDArray inv, NDArray top, NDArray bottom) {
            NDArray z = inv.matMul(top.concat(bottom, 1).expandDims(2)).squeeze(2);
            return new NDArray[] {z.get(":, 0:" + big), z.get(":, " + big + ":")};
        }

        /** The largest step in (0, 1] that keeps s and λ positive, times {@code fraction}, per episode. */
        private NDArray stepLength(NDArray s, NDArray ds, NDArray l, NDArray dl, double fraction) {
            NDArray ratio = ratio(s, ds).minimum(ratio(l, dl)).min(new int[] {1}, true);
            return ratio.mul(fraction).minimum(1.0);
        }

        private NDArray ratio(NDArray v, NDArray dv) {
            NDArray falling = dv.lt(0);
            NDArray r = v.neg().div(NDArrays.where(falling, dv, dv.onesLike().neg()));
            return NDArrays.where(falling, r, r.onesLike().mul(Double.MAX_VALUE));
        }

        /** Entries at their upper bound: multiplier above slack. */
        NDArray activeBounds() {
            return lam.gt(upper.sub(x)).toType(DataType.FLOAT64, false);
        }
    }
}
