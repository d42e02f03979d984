package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.weighting.Combination;
import java.util.ArrayList;
import java.util.List;

/**
 * Which gradient each trained parameter of a hard-parameter-sharing model gets: per-task
 * gradients of the shared parameters (flattened into the {@code [K, P]} matrix that
 * gradient-based weighting methods work on) or of the shared representation ({@code [K, R]}), and
 * of each task's head, and the final gradients from a weighting method's {@link Combination}.
 */
final class GradientRouter {

    private final Autograd autograd;
    private final Params model;
    private final Params all;
    private final int[] trained;
    private final int[] shared;
    private final int[][] heads;

    /**
     * Per-task gradients, of the shared parameters or of the shared representation.
     *
     * @param shared {@code [K, P]}: row i is the flattened gradient of loss i w.r.t. the shared
     *     parameters; null when the pass was through the representation
     * @param representation the recorded shared representation {@code z} the gradients below are
     *     of; null when the pass was through the shared parameters
     * @param representationGradients {@code [K, R]}: row i is the flattened gradient of loss i
     *     w.r.t. {@code z}; null with {@code shared}
     * @param heads gradient of loss i w.r.t. its own head's parameters, in parameter order
     */
    record PerTask(NDArray shared, NDArray representation, NDArray representationGradients, NDList[] heads) {}

    /**
     * @param autograd the autograd
     * @param model the model's parameters, tagged with their heads
     * @param all the model's parameters followed by the weighting method's, as the optimizer sees them
     * @param taskCount the tasks of the model
     * @param trained the indices of the trained tasks, in the order of the losses
     */
    GradientRouter(Autograd autograd, Params model, Params all, int taskCount,
            int[] trained) {
        this.autograd = autograd;
        this.model = model;
        this.all = all;
        this.trained = trained;
        List<Integer> s = new ArrayList<>();
        List<List<Integer>> h = new ArrayList<>();
        for (int t = 0; t < taskCount; t++) {
            h.add(new ArrayList<>());
        }
        for (int i = 0; i < model.size(); i++) {
            String name = model.names().get(i);
            int head = model.headOf(name);
            if (head == Params.ENCODER) {
                s.add(i);
            } else if (head < taskCount) {
                h.get(head).add(i);
            } else {
                throw new IllegalArgumentException("parameter '" + name + "' belongs to head " + head
                        + ", but the dataset has " + taskCount + " tasks");
            }
        }
        this.shared = s.stream().mapToInt(Integer::intValue).toArray();
        this.heads = new int[taskCount][];
        for (int t = 0; t < taskCount; t++) {
            heads[t] = h.get(t).stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /**
     * One backward pass per trained task through the whole model (the graph is kept for the next).
     *
     * @param losses the recorded loss of each trained task
     * @return the per-task gradients of the shared parameters and of each head
     */
    PerTask perTask(NDArray[] losses) {
        NDList sharedParams = new NDList(shared.length);
        for (int s : shared) {
            sharedParams.add(model.arrays().get(s));
        }
        NDList[] headGrads = new NDList[losses.length];
        NDList rows = perTaskRows(losses, sharedParams, headGrads);
        return new PerTask(NDArrays.stack(rows), null, null, headGrads);
    }

    /**
     * One backward pass per trained task through its head only, to the shared representation (the
     * graph is kept for the next).
     *
     * @param losses the recorded loss of each trained task
     * @param representation the recorded encoder output the heads were computed from
     * @return the per-task gradients of the representation and of each head
     */
    PerTask perTaskRepresentation(NDArray[] losses, NDArray representation) {
        NDList[] headGrads = new NDList[losses.length];
        NDList rows = perTaskRows(losses, new NDList(representation), headGrads);
        return new PerTask(null, representation, NDArrays.stack(rows), headGrads);
    }

    /**
     * Row i: loss i's gradient w.r.t. {@code of}, flattened and concatenated; the gradient of its
     * head's parameters, from the same pass, goes into {@code headGrads[i]}.
     */
    private NDList perTaskRows(NDArray[] losses, NDList of, NDList[] headGrads) {
        NDList rows = new NDList(losses.length);
        for (int i = 0; i < losses.length; i++) {
            NDList inputs = new NDList(of);
            for (int h : heads[trained[i]]) {
                inputs.add(model.arrays().get(h));
            }
            NDList g = autograd.grad(losses[i], inputs, GraphMode.RETAIN);
            NDList flat = new NDList(of.size());
            for (int s = 0; s < of.size(); s++) {
                flat.add(g.get(s).flatten());
            }
            rows.add(flat.size() == 1 ? flat.get(0) : NDArrays.concat(flat));
            headGrads[i] = new NDList(g.subList(of.size(), g.size()));
        }
        return rows;
    }

    /**
     * The gradient of every trained parameter, aligned with {@code all}.
     *
     * @param combination the weighting method's decision
     * @param perTask the per-task gradients, if they were computed: through the shared parameters
     *     for a shared gradient, through the representation for a representation gradient
     * @return one gradient per parameter
     */
    NDList gradients(Combination combination, PerTask perTask) {
        if (combination instanceof Combination.Objective o) {
            NDList g = autograd.grad(o.objective(), all.arrays(), GraphMode.RELEASE);
            if (o.maxSharedGradientNorm() > 0) {
                clip(g, shared, o.maxSharedGradientNorm());
            }
            return g;
        }
        NDArray[] out = new NDArray[all.size()];
        NDArray headWeights;
        if (combination instanceof Combination.SharedGradient sg) {
            if (perTask == null || perTask.shared() == null) {
                throw new IllegalStateException("the weighting method returned a shared gradient without asking for"
                        + " the per-task gradients of the shared parameters (need = SHARED_GRADIENTS)");
            }
            long offset = 0;
            for (int s : shared) {
                NDArray p = model.arrays().get(s);
                long n = p.size();
                out[s] = sg.sharedGradient().get(offset + ":" + (offset + n)).reshape(p.getShape());
                offset += n;
            }
            headWeights = sg.headWeights();
        } else {
            Combination.RepresentationGradient rg = (Combination.RepresentationGradient) combination;
            if (perTask == null || perTask.representation() == null) {
                throw new IllegalStateException("the weighting method returned a representation gradient without"
                        + " asking for the per-task gradients of the representation (need = REPRESENTATION_GRADIENTS)");
            }
            NDList encoderGrads = encoderVjp(perTask.representation(), rg.gradient());
            for (int j = 0; j < shared.length; j++) {
                out[shared[j]] = encoderGrads.get(j);
            }
            headWeights = rg.headWeights();
        }
        // Not recorded: the per-task gradients carry no graph, so mul(Number) is safe here.
        double[] weights = headWeights.toType(DataType.FLOAT64, false).toDoubleArray();
        for (int i = 0; i < trained.length; i++) {
            int[] idx = heads[trained[i]];
            for (int j = 0; j < idx.length; j++) {
                out[idx[j]] = perTask.heads()[i].get(j).mul(weights[i]);
            }
        }
        for (int i = 0; i < out.length; i++) {
            if (out[i] == null) {
                out[i] = all.arrays().get(i).zerosLike();
            }
        }
        return new NDList(out);
    }

    /**
     * The vector-Jacobian product {@code (dz/dtheta)^T v} for the encoder's parameters {@code
     * theta}: the gradient of {@code sum(z * v)} with {@code v} held constant, in one backward pass
     * that releases the graph.
     *
     * @param z the recorded representation
     * @param v its gradient, shaped like {@code z} or flattened
     * @return one gradient per shared parameter, in the order of {@code shared}
     */
    NDList encoderVjp(NDArray z, NDArray v) {
        if (v.size() != z.size()) {
            throw new IllegalArgumentException("the representation gradient has " + v.size() + " elements ("
                    + v.getShape() + "), the representation " + z.size() + " (" + z.getShape() + ")");
        }
        NDArray constant = v.stopGradient().reshape(z.getShape()).toType(z.getDataType(), false);
        NDList encoder = new NDList(shared.length);
        for (int s : shared) {
            encoder.add(model.arrays().get(s));
        }
        return autograd.grad(z.mul(constant).sum(), encoder, GraphMode.RELEASE);
    }

    /**
     * Scales all gradients down to a total Euclidean norm of at most {@code maxNorm}
     * ({@code clip_grad_norm_}), in place.
     *
     * @param grads the gradients, aligned with {@code all}
     * @param maxNorm the largest norm
     */
    void clipAll(NDList grads, double maxNorm) {
        int[] every = new int[grads.size()];
        for (int i = 0; i < every.length; i++) {
            every[i] = i;
        }
        clip(grads, every, maxNorm);
    }

    /** Scales the gradients at {@code which} down to a joint norm of at most {@code maxNorm}, in place. */
    static void clip(NDList grads, int[] which, double maxNorm) {
        double sq = 0;
        for (int i : which) {
            NDArray g = grads.get(i);
            sq += g.mul(g).sum().toType(DataType.FLOAT64, false).getDouble();
        }
        double norm = Math.sqrt(sq);
        if (norm > maxNorm) {
            double scale = maxNorm / (norm + 1e-6);
            for (int i : which) {
                grads.set(i, grads.get(i).mul(scale));
            }
        }
    }
}
