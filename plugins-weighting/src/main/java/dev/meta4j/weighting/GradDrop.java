package dev.meta4j.weighting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.RandomArrays;
import dev.meta4j.api.Rng;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingFactory;
import dev.meta4j.api.weighting.WeightingMethod;

/**
 * GradDrop, gradient sign dropout (Chen, Ngiam, Huang, Luong, Kretzschmar, Chai &amp; Anguelov,
 * <i>Just Pick a Sign: Optimizing Deep Multitask Models with Gradient Sign Dropout</i>, NeurIPS
 * 2020, arXiv:2010.06808), on the gradient of the shared representation ({@link
 * Need#REPRESENTATION_GRADIENTS}, returning a {@link Combination.RepresentationGradient}).
 *
 * <p><b>The step</b> (the paper's Algorithm 1). With {@code g_i = dL_i/dA} the gradient of task
 * {@code i}'s loss with respect to the representation {@code A} ({@code [N, D]}: batch first, the
 * other dimensions flattened):
 *
 * <ol>
 *   <li>{@code G_i = sign(A) * g_i} ({@code input-sign = true}; else {@code G_i = g_i});
 *   <li>{@code G_i = sum over the batch of G_i}, {@code [1, D]} ({@code sum-batch = true}; else
 *       {@code G_i} stays {@code [N, D]});
 *   <li>the sign purity {@code P = (1 + sum_i G_i / (sum_i |G_i| + eps)) / 2};
 *   <li>{@code U ~ Uniform[0, 1)}, shaped like {@code P}, from {@link RandomArrays} with the
 *       plugin's seeded {@link Rng} (one draw of it per step, so the draws resume exactly);
 *   <li>the mask {@code M_i = [P > U][G_i > 0] + [P < U][G_i < 0]}, broadcast over the batch
 *       when summed;
 *   <li>the encoder receives {@code sum_i (l + (1 - l) M_i) g_i} (the original gradients; {@code
 *       l} = {@code leak}), optionally rescaled to {@code |sum_i g_i|} ({@code keep-norm}).
 * </ol>
 *
 * <p>Each head gets its own loss's gradient, weight 1: GradDrop changes only what flows back
 * through {@code A} (paper, official code, every port). There are no task weights to log.
 *
 * <p><b>Defaults</b> are the paper's: {@code leak = 0} (pure GradDrop, Algorithm 1's comment),
 * {@code input-sign} and {@code sum-batch} on (its lines 6 and 7), no rescaling. The paper needs no
 * {@code eps}, but 0/0 where every {@code G_i} is 0 (a dead ReLU unit in {@code A}) does; {@code
 * eps = 1e-7} is the official code's (lingvo's {@code graddrop.py}, by the paper's authors) and
 * LibMTL's constant, and gives {@code P = 1/2} there.
 *
 * <p><b>Deviations from the reference implementations</b>, read for this class:
 *
 * <ul>
 *   <li>Official code (TensorFlow lingvo, {@code lingvo/core/graddrop.py}): it rescales the new
 *       gradient to the norm of the incoming one by default ({@code keep_gradnorm_constant =
 *       True}; here {@code keep-norm = true} does that, with {@code sum_i g_i}, the gradient of the
 *       summed losses, as the incoming gradient); it keeps a task's gradient where {@code G_i = 0}
 *       and counts {@code P = U} as positive ({@code (sign(G_i) * ([P >= U] - 1/2)) >= 0}), meta4j
 *       drops it there and keeps neither sign at {@code P = U}, as the paper's {@code M_i} does (it
 *       matters only where {@code g_i} is not 0 while {@code G_i} is, almost never where {@code A}
 *       is a ReLU output, whose zeros the encoder's backward pass zeroes anyway); it writes {@code
 *       P} as {@code sum G / (2 sum |G| + eps) + 1/2} (eps halved, a 1e-7-relative difference); its
 *       input sign is {@code A / |A + [|A| <= eps]|}, which is about {@code A}, not 0, for tiny
 *       {@code |A|}, meta4j takes {@code sign(A)}; and it takes one leak per task, meta4j one leak
 *       for all (the paper's per-task leaks serve transfer learning, a leak of 1 for the main task).
 *   <li>LibMTL ({@code LibMTL/weighting/GradDrop.py}): the same computation as the defaults here
 *       (sign-corrected, batch-summed, {@code eps = 1e-7}, one leak for all), drawing {@code U}
 *       with {@code torch.rand_like}.
 *   <li>FAMO repository ({@code methods/weight_methods.py}): it applies the mask to the per-task gradients of the shared <i>parameters</i>, one
 *       {@code P} per parameter element, with no input sign and no batch, {@code eps = 1e-8}, sums
 *       the kept gradients (its mean times {@code K}) and then clips the shared gradient to norm 1
 *       ({@code max_norm}). meta4j follows the paper and acts on the representation; that variant
 *       is not offered. (The Nash-MTL repository has no GradDrop.)
 * </ul>
 *
 * <p>All of it runs on the engine (a few element-wise operations on the {@code [K, N, D]}
 * gradients); nothing is read back to Java.
 */
public final class GradDrop implements WeightingMethod {

    /** The step's settings: {@code leak}, {@code input-sign}, {@code sum-batch}, {@code keep-norm}, {@code eps}. */
    record Settings(double leak, boolean inputSign, boolean sumBatch, boolean keepNorm, double eps) {

        Settings {
            if (!(leak >= 0 && leak <= 1)) {
                throw new IllegalArgumentException("graddrop.leak must be in [0, 1], got " + leak);
            }
            if (!(eps > 0) || !Double.isFinite(eps)) {
                throw new IllegalArgumentException("graddrop.eps must be positive and finite, got " + eps);
            }
        }

        static Settings of(Config c) {
            return new Settings(c.getDouble("leak"), c.getBoolean("input-sign"), c.getBoolean("sum-batch"),
                    c.getBoolean("keep-norm"), c.getDouble("eps"));
        }
    }

    private final Settings settings;
    private final RandomArrays random;
    private final Rng rng;

    GradDrop(Settings settings, RandomArrays random, Rng rng) {
        this.settings = settings;
        this.random = random;
        this.rng = rng;
    }

    @Override
    public Need need(long step) {
        return Need.REPRESENTATION_GRADIENTS;
    }

    @Override
    public Combination combine(TaskSignals s) {
        NDArray g = s.representationGradients();
        NDArray a = s.representation();
        if (g == null || a == null) {
            throw new IllegalStateException("graddrop needs the per-task gradients of the shared representation and"
                    + " the representation, but the step provided none");
        }
        NDArray u = random.uniform(rng, uniformShape(a.getShape(), settings.sumBatch()), g.getDataType(), s.manager());
        NDArray gradient = drop(g, a, u, settings);
        NDArray heads = LossVectors.constant(s.manager(), TaskGradients.ones(s.taskCount()), g.getDataType());
        return new Combination.RepresentationGradient(gradient, heads, null);
    }

    /**
     * The shape of {@code U} (and {@code P}): {@code [1, D]} with the batch summed, else {@code [N, D]}.
     *
     * @param representation the representation's shape, batch first
     * @param sumBatch whether the batch is summed
     * @return the shape
     */
    static Shape uniformShape(Shape representation, boolean sumBatch) {
        if (representation.dimension() < 1 || representation.get(0) < 1) {
            throw new IllegalArgumentException("graddrop needs a representation with a batch dimension first, got "
                    + representation);
        }
        long n = representation.get(0);
        long d = representation.size() / n;
        return new Shape(sumBatch ? 1 : n, d);
    }

    /**
     * GradDrop's new gradient of the representation, for given uniform draws.
     *
     * @param gradients the per-task gradients {@code [K, R]}, rows flattened like {@code representation}
     * @param representation the representation {@code A}, {@code [N, ...]} with {@code R} elements
     * @param uniform {@code U}, shaped as {@link #uniformShape} says, in {@code [0, 1)}
     * @param settings the settings
     * @return the new gradient, shaped like {@code representation}, in the gradients' manager
     */
    static NDArray drop(NDArray gradients, NDArray representation, NDArray uniform, Settings settings) {
        Shape shape = representation.getShape();
        long k = gradients.getShape().get(0);
        long n = shape.get(0);
        long d = shape.size() / n;
        if (gradients.getShape().dimension() != 2 || gradients.getShape().get(1) != shape.size()) {
            throw new IllegalArgumentException("graddrop: the representation gradients are " + gradients.getShape()
                    + ", the representation " + shape + "; expected [K, " + shape.size() + "]");
        }
        if (!uniform.getShape().equals(uniformShape(shape, settings.sumBatch()))) {
            throw new IllegalArgumentException("graddrop: U is " + uniform.getShape() + ", expected "
                    + uniformShape(shape, settings.sumBatch()));
        }
        DataType type = gradients.getDataType();
        // None of these arrays requires a gradient, so the Number overloads record nothing and
        // cannot hit the freed-scalar trap of recorded arithmetic.
        NDArray g = gradients.stopGradient().reshape(k, n, d);
        NDArray signed = settings.inputSign()
                ? g.mul(representation.stopGradient().toType(type, false).sign().reshape(1, n, d)) : g;
        NDArray big = settings.sumBatch() ? signed.sum(new int[] {1}, true) : signed;
        NDArray purity = big.sum(new int[] {0}).div(big.abs().sum(new int[] {0}).add(settings.eps())).add(1).mul(0.5);
        NDArray u = uniform.toType(type, false);
        NDArray keep = purity.gt(u).logicalAnd(big.gt(0)).logicalOr(purity.lt(u).logicalAnd(big.lt(0)))
                .toType(type, false);
        if (settings.leak() > 0) {
            keep = keep.mul(1 - settings.leak()).add(settings.leak());
        }
        NDArray out = keep.mul(g).sum(new int[] {0});
        if (settings.keepNorm()) {
            NDArray incoming = g.sum(new int[] {0});
            out = out.mul(incoming.norm().div(out.norm().add(settings.eps())));
        }
        return out.reshape(shape);
    }

    /** Registers {@code graddrop}. */
    @AutoService(WeightingFactory.class)
    public static final class Factory implements WeightingFactory {
        @Override
        public String name() {
            return "graddrop";
        }

        @Override
        public String summary() {
            return "GradDrop (Chen et al. 2020): keep, per element of the shared representation, only the task"
                    + " gradients of a randomly chosen sign, the chance given by their sign purity";
        }

        @Override
        public WeightingMethod create(PluginContext ctx) {
            return new GradDrop(Settings.of(ctx.config()), ctx.random(), ctx.rng());
        }
    }
}
