package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.AlgorithmFactory;
import dev.meta4j.api.algorithm.Components;
import dev.meta4j.api.algorithm.Evaluation;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.algorithm.Selection;
import dev.meta4j.api.algorithm.Step;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.EpisodeShape;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;

/**
 * Prototypical Networks (Snell, Swersky &amp; Zemel 2017): an embedding network trained so that
 * a query is classified by the nearest class mean of the support embeddings.
 *
 * <p>Per episode: the support and query images are embedded in one batch (as the official code
 * does, so batch norm sees both), each class's prototype is the mean of its support embeddings,
 * the logits of a query are the negative squared Euclidean distances to the prototypes, and the
 * loss is the softmax cross-entropy over the queries. Training takes {@code episodes-per-step}
 * episodes per Adam step (one in the paper) with batch statistics; evaluation embeds with the
 * running statistics (the official code's {@code model.eval()}) and reports the mean query
 * accuracy and loss over {@code eval-episodes} (validation) or {@code test-episodes} (test) fixed
 * held-out episodes, each with its 95% confidence half-width ({@code 1.96 · sd / sqrt(n)}).
 *
 * <p>The paper's optimisation (Adam, lr 10⁻³, halved every 2,000 episodes) is the bundled
 * configs' {@code optimizer} and {@code scheduler}; the episode sizes are the dataset's. Read
 * against the official code (jakesnell/prototypical-networks, {@code few_shot.py}, {@code
 * run_train.py}) and learn2learn's {@code protonet_miniimagenet.py}. Deviations: the model needs
 * no heads (an embedding network; the official encoder is the same conv4); the official code
 * early-stops on validation loss with a patience of 200 epochs, here the run keeps the best
 * validation accuracy as {@code checkpoints/best} and trains a fixed number of steps; the
 * official code's epoch of 100 episodes is not a unit here, so schedules count episodes (steps).
 * The model may be any backbone without heads.
 */
public final class ProtoNet implements Algorithm {

    private final Autograd autograd;
    private final Rng rng;
    private final int episodesPerStep;
    private final int evalEpisodes;
    private final int testEpisodes;
    private final int evalChunk;
    private final NDManager manager;
    private final DataType dataType;

    private TaskSource source;
    private Backbone backbone;
    private Optimizer optimizer;
    private Params params;
    private ClassificationTask trainTask;

    ProtoNet(PluginContext ctx) {
        Config c = ctx.config();
        this.autograd = ctx.autograd();
        this.rng = ctx.rng();
        this.episodesPerStep = c.getInt("episodes-per-step");
        this.evalEpisodes = c.getInt("eval-episodes");
        this.testEpisodes = c.getInt("test-episodes");
        this.evalChunk = c.getInt("eval-chunk");
        this.manager = ctx.manager();
        this.dataType = ctx.dataType();
    }

    @Override
    public void init(Components components) {
        this.source = components.dataset(TaskSource.class);
        this.backbone = components.backbone(Backbone.class);
        this.optimizer = components.optimizer();
        FewShotEpisodes.requireClassification(source, "protonet");
        EpisodeShape train = source.episodeShape(Split.TRAIN);
        this.trainTask = new ClassificationTask("class", train.ways());
        this.params = backbone.init(source.spec(), rng.split("init"), manager, dataType);
        FewShotEpisodes.requireEmbedding(params, "protonet");
    }

    @Override
    public Params parameters() {
        return params;
    }

    @Override
    public Metrics trainStep(Step step) {
        NDManager m = step.manager();
        TaskBatch batch = source.sample(episodesPerStep, rng, m);
        Params trained = params.trainable();
        NDArray loss;
        NDArray accuracy;
        NDList grads;
        try (Autograd.Scope rec = autograd.record()) {
            NDArray total = null;
            NDArray hits = null;
            for (int t = 0; t < batch.taskCount(); t++) {
                NDArray logits = episodeLogits(params, batch.episode(t), trainTask.classes(),
                        Forward.training(rng, step.clock()));
                Targets y = Targets.of(batch.queryTargets().get(t));
                NDArray l = trainTask.loss(logits, y);
                NDArray a = trainTask.score(logits.stopGradient(), y);
                total = total == null ? l : total.add(l);
                hits = hits == null ? a : hits.add(a);
            }
            NDArray count = Scalar.of(m, batch.taskCount(), total.getDataType());
            loss = total.div(count);
            accuracy = hits.div(count);
            grads = autograd.grad(loss, trained.arrays(), GraphMode.RELEASE);
        }
        optimizer.step(trained, grads, step.learningRate());
        return Metrics.builder().put(Metrics.LOSS, loss).put("accuracy", accuracy).build();
    }

    /** The query logits of one episode (no task dimension): embeddings in one pass, then {@link #logits}. */
    NDArray episodeLogits(Params p, TaskBatch e, int ways, Forward forward) {
        long s = e.supportInputs().getShape().get(0);
        NDArray x = e.supportInputs().concat(e.queryInputs(), 0);
        NDArray z = FewShotEpisodes.embed(backbone, p, x, forward);
        return logits(z.get("0:" + s), e.supportTargets(), z.get(s + ":"), ways);
    }

    /**
     * The logits of the queries: negative squared Euclidean distances to the class prototypes,
     * the means of each class's support embeddings. Leading (task) dimensions are kept.
     *
     * @param support support embeddings {@code [..., S, D]}
     * @param labels their labels in {@code [0, ways)}, {@code [..., S]}
     * @param query query embeddings {@code [..., Q, D]}
     * @param ways the number of classes
     * @return {@code [..., Q, ways]}
     */
    static NDArray logits(NDArray support, NDArray labels, NDArray query, int ways) {
        // Prototypes as a product with the normalised one-hot matrix, so any support order works.
        NDArray onehot = labels.toType(DataType.INT64, false).oneHot(ways).toType(support.getDataType(), false);
        NDArray perClass = onehot.sum(new int[] {-2}, true);
        NDArray weights = onehot.div(perClass);
        int r = weights.getShape().dimension();
        int[] axes = new int[r];
        for (int i = 0; i < r; i++) {
            axes[i] = i;
        }
        axes[r - 2] = r - 1;
        axes[r - 1] = r - 2;
        NDArray prototypes = weights.transpose(axes).matMul(support);
        NDArray diff = query.expandDims(-2).sub(prototypes.expandDims(-3));
        return diff.square().sum(new int[] {-1}).neg();
    }

    @Override
    public Evaluation evaluate(Split split, NDManager evalManager) {
        int count = split == Split.TEST ? testEpisodes : evalEpisodes;
        // One pass per episode: with transductive batch norm an embedding depends on the batch,
        // and the episode (support and queries) is the batch the protocol means; with inductive
        // batch norm each image's embedding is its own either way.
        return FewShotEpisodes.evaluate(source, split, count, evalChunk, params, autograd, evalManager,
                (e, ways) -> episodeLogits(params, e, ways, Forward.evaluation(rng)));
    }

    @Override
    public Selection selection() {
        return new Selection("accuracy", true);
    }

    /** Registers {@code protonet}. */
    @AutoService(AlgorithmFactory.class)
    public static final class Factory implements AlgorithmFactory {
        @Override
        public String name() {
            return "protonet";
        }

        @Override
        public String summary() {
            return "Prototypical Networks (Snell et al. 2017): nearest class mean in a learned embedding, "
                    + "squared Euclidean distance; trains a fixed step count and keeps the best validation accuracy"
                    + " (the official code early-stops with patience 200 epochs)";
        }

        @Override
        public Algorithm create(PluginContext ctx) {
            return new ProtoNet(ctx);
        }
    }
}
