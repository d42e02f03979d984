package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The official multi-task-learning code's second test method, {@code tune-all} (after Dhillon et
 * al., ICLR 2020, without their transductive entropy term): per test episode, a linear classifier
 * on L2-normalised features starts at the support set's class centroids (scikit-learn's {@code
 * NearestCentroid} of the normalised support features, bias 0), then the whole encoder and the
 * classifier are fine-tuned together for {@code steps} steps of a fresh optimizer (the official
 * Adam, lr 0.001, 10 steps) on the support set's cross-entropy, in evaluation mode (the official
 * {@code features.eval()}: running batch-norm statistics, no dropout); the queries are scored by
 * the tuned classifier's softmax. The encoder and the optimizer are back at their state before the
 * episode afterwards: the tuned copy lives in the episode's manager, and the optimizer's state is
 * reset to never-stepped before each episode (its moments, made in the experiment's manager, are
 * closed by that reset) and after the evaluation.
 *
 * <p>Deviations from the official code: its Adam puts {@code test_weight_decay} (0 by default) on
 * the classifier only; here the one optimizer's settings apply to encoder and classifier alike
 * (equal at the default); the normalisation divides by {@code max(|z|, 1e-12)} where the official
 * one divides by {@code |z|}.
 */
final class TuneAllHead {

    static final String WEIGHT = "tune-all.weight";
    static final String BIAS = "tune-all.bias";
    private static final double NORM_FLOOR = 1e-12;

    private final Backbone backbone;
    private final Autograd autograd;
    private final Optimizer optimizer;
    private final int steps;
    private final Rng rng;
    private final StateDict fresh;

    /**
     * @param backbone the encoder's model
     * @param autograd the engine's differentiation
     * @param optimizer the fine-tuning optimizer, never stepped before (its state now is the
     *     state every episode starts from)
     * @param steps optimizer steps per episode
     * @param rng the generator the forward context carries (evaluation mode draws nothing)
     * @param manager where the never-stepped state is kept
     */
    TuneAllHead(Backbone backbone, Autograd autograd, Optimizer optimizer, int steps, Rng rng, NDManager manager) {
        this.backbone = backbone;
        this.autograd = autograd;
        this.optimizer = optimizer;
        this.steps = steps;
        this.rng = rng;
        this.fresh = new StateDict(manager);
        optimizer.saveState(fresh);
    }

    /** Puts the optimizer back to never-stepped, closing the moments of the last episode. */
    void reset() {
        optimizer.loadState(fresh);
    }

    /**
     * Fine-tunes a copy of the encoder and a centroid-initialised classifier on one episode's
     * support set and returns the query logits.
     *
     * @param encoder the trained encoder (not changed)
     * @param xs support images
     * @param ys support labels {@code 0..ways-1}
     * @param xq query images
     * @param ways the episode's classes
     * @param m the episode's manager: the copy and every intermediate live there
     * @return the tuned classifier's query logits {@code [Q, ways]}
     */
    NDArray queryLogits(Params encoder, NDArray xs, NDArray ys, NDArray xq, int ways, NDManager m) {
        reset();
        Forward f = Forward.evaluation(rng);
        Params tuned;
        Params model;
        try (Autograd.Scope off = autograd.pause()) {
            NDArray centroids = centroids(normalise(embed(encoder, xs, f)), ys, ways);
            List<NDArray> arrays = new ArrayList<>(encoder.size());
            for (int i = 0; i < encoder.size(); i++) {
                NDArray a = encoder.arrays().get(i);
                arrays.add(encoder.isBuffer(encoder.names().get(i)) ? a : leaf(a, m));
            }
            model = encoder.withArrays(arrays);
            NDArray bias = m.zeros(new ai.djl.ndarray.types.Shape(ways), centroids.getDataType());
            tuned = model.trainable().concat(Params.of(List.of(WEIGHT, BIAS), List.of(leaf(centroids, m), leaf(bias, m))));
        }
        ClassificationTask task = new ClassificationTask("class", ways);
        for (int s = 0; s < steps; s++) {
            try (NDManager step = m.newSubManager()) {
                // the support set too: a result lands in its first operand's manager, so the
                // step's forward pass is freed with it (InnerLoop.walk)
                tuned.tempAttach(step);
                model.tempAttach(step);
                xs.tempAttach(step);
                ys.tempAttach(step);
                NDList g;
                try (Autograd.Scope rec = autograd.record()) {
                    NDArray logits = classify(tuned, normalise(embed(model, xs, f)));
                    g = autograd.grad(task.loss(logits, Targets.of(ys)), tuned.arrays(), GraphMode.RELEASE);
                }
                optimizer.step(tuned, g, optimizer.baseLearningRate());
            }
        }
        try (Autograd.Scope off = autograd.pause()) {
            return classify(tuned, normalise(embed(model, xq, f)));
        }
    }

    private NDArray embed(Params p, NDArray x, Forward f) {
        return FewShotEpisodes.embed(backbone, p, x, f);
    }

    private static NDArray classify(Params tuned, NDArray z) {
        return z.matMul(tuned.get(WEIGHT).transpose()).add(tuned.get(BIAS));
    }

    /** Rows divided by {@code max(|z|, 1e-12)}, PyTorch's {@code F.normalize}: mtl's features everywhere. */
    static NDArray normalise(NDArray z) {
        NDArray norm = z.norm(new int[] {1}, true);
        return z.div(norm.maximum(Scalar.of(z.getManager(), NORM_FLOOR, z.getDataType())));
    }

    /** Each class's mean row, {@code [ways, D]}: {@code NearestCentroid().centroids_}. */
    static NDArray centroids(NDArray z, NDArray labels, int ways) {
        NDArray onehot = labels.toType(DataType.INT64, false).oneHot(ways).toType(z.getDataType(), false);
        NDArray counts = onehot.sum(new int[] {0}).reshape(ways, 1);
        return onehot.transpose().matMul(z).div(counts);
    }

    /** A torch-owned copy in {@code m} that gradients are taken with respect to. */
    private static NDArray leaf(NDArray a, NDManager m) {
        NDArray c = a.duplicate();
        c.attach(m);
        c.setRequiresGradient(true);
        return c;
    }
}
