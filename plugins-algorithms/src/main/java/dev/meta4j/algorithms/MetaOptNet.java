package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import java.util.OptionalLong;

/**
 * MetaOptNet (Lee, Maji, Ravichandran &amp; Soatto, CVPR 2019): an embedding trained through a
 * convex base learner fitted to each episode's support set, the head chosen by {@code head}:
 * {@code svm} (Crammer–Singer multi-class SVM, {@link CrammerSingerSvm}), {@code ridge} (ridge
 * regression in its dual, {@link RidgeHead}) or {@code protonet} (class means,
 * {@link PrototypeHead}), each followed by a learnable scale of the logits (initialised to
 * {@code scale-init}, trained with the embedding) and a label-smoothed cross-entropy of the queries.
 *
 * <p>A step takes {@code episodes-per-step} training episodes (8 in the official code), embeds all
 * their support images in one pass and all their queries in another (as the code does, so batch
 * norm in training mode normalises supports and queries separately), fits the head to each episode
 * and averages the loss over every query of the batch; the optimizer updates the embedding and the
 * scale. Label smoothing is the code's: the true class gets {@code 1 − ε}, each other class
 * {@code ε / (ways − 1)} (not PyTorch's {@code ε / ways} spread). Evaluation embeds each held-out
 * episode's support and queries in two passes too, and reports plain cross-entropy and accuracy
 * with 95 % intervals ({@link FewShotEpisodes}). An epoch is {@code steps-per-epoch} steps (the
 * code's 1,000 batches), so a config can count epochs and schedule by them.
 *
 * <p>Read against the official code ({@code kjunelee/MetaOptNet}: {@code
 * models/classification_heads.py}, {@code train.py}, {@code test.py}). Deviations: the SVM's QP is
 * solved to a tolerance and differentiated through its KKT system on the active set (see
 * {@link CrammerSingerSvm}), where the code runs qpth for a fixed 15 iterations in training and 3 at
 * test, so its test logits are those of an unconverged interior point (and in float32, where here
 * the solution's value always comes from float64); the validation during
 * training uses {@code eval-episodes} (the code's 2,000 per epoch) and the run keeps the best
 * validation accuracy as {@code checkpoints/best}, as the code keeps {@code best_model.pth}; the
 * code's DropBlock schedule and its data-parallel quirk are the model's business (see
 * {@code resnet12}); the scale lives in the same optimizer group as the embedding, with the same
 * weight decay, as in the code.
 */
public final class MetaOptNet implements Algorithm {

    private final Autograd autograd;
    private final Rng rng;
    private final EpisodeHead head;
    private final int episodesPerStep;
    private final long stepsPerEpoch;
    private final int evalEpisodes;
    private final int testEpisodes;
    private final int evalChunk;
    private final double labelSmoothing;
    private final boolean learnScale;
    private final double scaleInit;
    private final NDManager manager;
    private final DataType dataType;

    private TaskSource source;
    private Backbone backbone;
    private Optimizer optimizer;
    private Params model;
    private Params all;
    private int trainWays;

    MetaOptNet(PluginContext ctx) {
        Config c = ctx.config();
        this.autograd = ctx.autograd();
        this.rng = ctx.rng();
        this.head = head(c);
        this.episodesPerStep = c.getInt("episodes-per-step");
        this.stepsPerEpoch = c.getLong("steps-per-epoch");
        this.evalEpisodes = c.getInt("eval-episodes");
        this.testEpisodes = c.getInt("test-episodes");
        this.evalChunk = c.getInt("eval-chunk");
        this.labelSmoothing = c.getDouble("label-smoothing");
        this.learnScale = c.getBoolean("learn-scale");
        this.scaleInit = c.getDouble("scale-init");
        this.manager = ctx.manager();
        this.dataType = ctx.dataType();
    }

    private static EpisodeHead head(Config c) {
        String name = c.getString("head");
        return switch (name) {
            case "svm" -> new CrammerSingerSvm(c.getDouble("svm-c"), c.getDouble("svm-diagonal"),
                    c.getInt("svm-max-iterations"), c.getDouble("svm-tolerance"));
            case "ridge" -> new RidgeHead(c.getDouble("ridge-lambda"));
            case "protonet" -> new PrototypeHead();
            default -> throw new IllegalArgumentException("head must be svm, ridge or protonet, got " + name);
        };
    }

    @Override
    public void init(Components components) {
        this.source = components.dataset(TaskSource.class);
        this.backbone = components.backbone(Backbone.class);
        this.optimizer = components.optimizer();
        FewShotEpisodes.requireClassification(source, "metaoptnet");
        this.trainWays = source.episodeShape(Split.TRAIN).ways();
        if (labelSmoothing > 0 && trainWays < 2) {
            throw new IllegalArgumentException("label-smoothing needs at least 2 training ways");
        }
        this.model = backbone.init(source.spec(), rng.split("init"), manager, dataType);
        FewShotEpisodes.requireEmbedding(model, "metaoptnet");
        if (learnScale) {
            if (model.contains("scale")) {
                throw new IllegalArgumentException("metaoptnet: the model already has a parameter named scale");
            }
            NDArray scale = Scalar.vector(manager, new double[] {scaleInit}, dataType);
            scale.setRequiresGradient(true);
            this.all = model.concat(Params.builder().add("scale", scale).build());
        } else {
            this.all = model;
        }
    }

    @Override
    public Params parameters() {
        return all;
    }

    @Override
    public OptionalLong stepsPerEpoch() {
        return OptionalLong.of(stepsPerEpoch);
    }

    @Override
    public Metrics trainStep(Step step) {
        NDManager m = step.manager();
        TaskBatch batch = source.sample(episodesPerStep, rng, m);
        Params trained = all.trainable();
        ClassificationTask task = new ClassificationTask("class", trainWays);
        NDArray loss;
        NDArray accuracy;
        NDList grads;
        try (Autograd.Scope rec = autograd.record()) {
            NDArray logits = batchLogits(all, batch, trainWays, Forward.training(rng, step.clock()));
            NDArray flat = logits.reshape(-1, trainWays);
            NDArray labels = batch.queryTargets().reshape(-1);
            loss = smoothedCrossEntropy(flat, labels, trainWays, labelSmoothing);
            accuracy = task.score(flat.stopGradient(), Targets.of(labels));
            grads = autograd.grad(loss, trained.arrays(), GraphMode.RELEASE);
        }
        optimizer.step(trained, grads, step.learningRate());
        return Metrics.builder().put(Metrics.LOSS, loss).put("accuracy", accuracy).build();
    }

    /**
     * The scaled query logits of a meta-batch {@code [T, Q, ways]}: supports and queries of all
     * its episodes embedded in one pass each.
     */
    NDArray batchLogits(Params p, TaskBatch batch, int ways, Forward forward) {
        int t = batch.taskCount();
        NDArray zs = embedAll(p, batch.supportInputs(), forward);
        NDArray zq = embedAll(p, batch.queryInputs(), forward);
        NDArray logits = head.logits(zs.reshape(t, zs.getShape().get(0) / t, -1), batch.supportTargets(),
                zq.reshape(t, zq.getShape().get(0) / t, -1), ways);
        return learnScale ? logits.mul(p.get("scale")) : logits;
    }

    private NDArray embedAll(Params p, NDArray inputs, Forward forward) {
        Shape s = inputs.getShape();
        Shape images = new Shape(s.get(0) * s.get(1)).addAll(s.slice(2));
        return FewShotEpisodes.embed(backbone, p, inputs.reshape(images), forward);
    }

    /**
     * The official code's label-smoothed cross-entropy, averaged over the rows: target
     * {@code 1 − ε} on the label and {@code ε / (ways − 1)} elsewhere; plain cross-entropy at
     * {@code ε = 0}.
     */
    static NDArray smoothedCrossEntropy(NDArray logits, NDArray labels, int ways, double eps) {
        NDArray onehot = labels.toType(DataType.INT64, false).oneHot(ways).toType(logits.getDataType(), false);
        NDArray target = eps == 0 ? onehot : onehot.mul(1 - eps - eps / (ways - 1)).add(eps / (ways - 1));
        NDArray perRow = target.mul(logits.logSoftmax(-1)).sum(new int[] {-1});
        return perRow.mean().neg();
    }

    @Override
    public Evaluation evaluate(Split split, NDManager evalManager) {
        int count = split == Split.TEST ? testEpisodes : evalEpisodes;
        return FewShotEpisodes.evaluate(source, split, count, evalChunk, all, autograd, evalManager,
                (e, ways) -> batchLogits(all, new TaskBatch(e.supportInputs().expandDims(0),
                        e.supportTargets().expandDims(0), e.queryInputs().expandDims(0),
                        e.queryTargets().expandDims(0)), ways, Forward.evaluation(rng)).squeeze(0));
    }

    @Override
    public Selection selection() {
        return new Selection("accuracy", true);
    }

    /** Registers {@code metaoptnet}. */
    @AutoService(AlgorithmFactory.class)
    public static final class Factory implements AlgorithmFactory {
        @Override
        public String name() {
            return "metaoptnet";
        }

        @Override
        public String summary() {
            return "MetaOptNet (Lee et al. 2019): an embedding trained through a convex base learner per episode"
                    + " (head = svm: Crammer-Singer SVM dual, solved to a tolerance by an interior-point method and"
                    + " differentiated through its KKT system on the active set, where the code runs qpth 15/3"
                    + " iterations; ridge: dual ridge regression; protonet: class means, distances / D), learnable"
                    + " logit scale, the code's label smoothing";
        }

        @Override
        public Algorithm create(PluginContext ctx) {
            return new MetaOptNet(ctx);
        }
    }
}
