package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Split;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Evaluation;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.EpisodeShape;
import dev.meta4j.api.data.Episodes;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.model.Forward;
import dev.meta4j.support.stats.MeanCi95;

/**
 * What the embedding-based few-shot learners ({@code protonet}, {@code metaoptnet}) share: the
 * checks of their dataset and model, flat embeddings, and the episodic evaluation (query accuracy
 * and loss over fixed held-out episodes, each a mean with its 95 % half-width).
 */
final class FewShotEpisodes {

    private FewShotEpisodes() {}

    /** The query logits of one held-out episode (no task dimension), {@code [Q, ways]}. */
    @FunctionalInterface
    interface EpisodeLogits {
        NDArray of(TaskBatch episode, int ways);
    }

    /** Refuses regression episodes, naming the algorithm. */
    static void requireClassification(TaskSource source, String algorithm) {
        EpisodeShape train = source.episodeShape(Split.TRAIN);
        EpisodeShape held = source.episodeShape(Split.TEST);
        if (!train.classification() || !held.classification()) {
            throw new IllegalArgumentException(algorithm + " classifies N-way episodes; the dataset's episodes are "
                    + "regression (ways = 0)");
        }
    }

    /** Refuses a model with heads, naming the algorithm and the remedy. */
    static void requireEmbedding(Params params, String algorithm) {
        if (params.headCount() != 0) {
            throw new IllegalArgumentException(algorithm + " learns an embedding: the model must have no heads, but it has "
                    + params.headCount() + " (for conv4 set model.head = none)");
        }
    }

    /** The backbone's representation of a batch of images, flattened to {@code [N, D]}. */
    static NDArray embed(Backbone backbone, Params params, NDArray images, Forward forward) {
        NDArray z = backbone.forward(params, images, forward).singletonOrThrow();
        return z.reshape(z.getShape().get(0), -1);
    }

    /**
     * Evaluates on {@code count} held-out episodes of a split, streamed in chunks of
     * {@code chunk} episodes (each in its own manager, recording paused), one logits call per
     * episode, so the numbers do not depend on the chunk size.
     */
    static Evaluation evaluate(TaskSource source, Split split, int count, int chunk, Params params, Autograd autograd,
            NDManager evalManager, EpisodeLogits logits) {
        Episodes episodes = source.evaluationEpisodes(split, count);
        int ways = source.episodeShape(split).ways();
        ClassificationTask task = new ClassificationTask("class", ways);
        MeanCi95.Running accuracy = new MeanCi95.Running();
        MeanCi95.Running loss = new MeanCi95.Running();
        while (episodes.remaining() > 0) {
            try (NDManager m = evalManager.newSubManager(); Autograd.Scope off = autograd.pause()) {
                params.tempAttach(m);
                TaskBatch b = episodes.next(chunk, m);
                for (int t = 0; t < b.taskCount(); t++) {
                    TaskBatch e = b.episode(t);
                    NDArray l = logits.of(e, ways);
                    Targets y = Targets.of(e.queryTargets());
                    accuracy.add(task.score(l, y).toType(DataType.FLOAT64, false).getDouble());
                    loss.add(task.loss(l, y).toType(DataType.FLOAT64, false).getDouble());
                }
            }
        }
        Metrics.Builder out = Metrics.builder();
        accuracy.result().putInto(out, "accuracy", Direction.HIGHER_IS_BETTER);
        loss.result().putInto(out, "loss", Direction.LOWER_IS_BETTER);
        out.put("episodes", count);
        return Evaluation.of(out.build());
    }
}
