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
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Evaluation;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.algorithm.Selection;
import dev.meta4j.api.algorithm.Step;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.data.ClassIndexedSource;
import dev.meta4j.api.data.ClassificationTask;
import dev.meta4j.api.data.Episodes;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.support.linear.Lbfgs;
import dev.meta4j.support.linear.MultinomialLogisticRegression;
import dev.meta4j.support.stats.MeanCi95;
import java.util.List;

/**
 * Multi-task learning as meta-learning (Wang, Zhao &amp; Li, "Bridging Multi-Task Learning and
 * Meta-Learning: Towards Efficient Training and Effective Adaptation", ICML 2021): few-shot
 * classification trained as plain multi-task learning over the training classes, with no inner
 * loop and no support/query split.
 *
 * <p>Training. A head matrix {@code [C, D]} holds one linear classifier row per training class
 * (C = the dataset's training classes, D = the embedding's size). Each sampled N-way episode
 * selects its classes' rows, in the order of its labels, and the loss is the cross-entropy of
 * {@code z · Wᵀ} (no bias) over all of the episode's images, support and queries together (the
 * official code's "merge" of the two; {@code dataset.shots + dataset.train-queries} images per
 * class); the losses of {@code meta-batch} episodes are averaged per optimizer step (the official
 * code's gradient accumulation). The head is initialised as PyTorch's {@code kaiming_uniform_(a =
 * √5)}, {@code U(−1/√D, 1/√D)}, scaled by {@code √(C / N)} (the official code's compensation for the
 * large head). {@code norm-train-features} L2-normalises the embeddings before the head (the
 * official {@code --norm_train_features}, on in its commands for every dataset but FC100).
 *
 * <p>Evaluation, validation and test alike (the official {@code test_method = l2}). The encoder
 * embeds the episode's support and queries in one pass in evaluation mode (running batch-norm
 * statistics, no dropout), the embeddings are L2-normalised, and a multinomial logistic
 * regression with an L2 penalty ({@code logreg-c}, scikit-learn's {@code C = 3}) is fitted on the
 * support set in double precision by {@link MultinomialLogisticRegression} (scikit-learn's
 * objective and lbfgs stopping rules, {@code max_iter = 1000} as the official code passes it); the
 * reported accuracy and loss are those of the queries (the loss is scikit-learn's {@code
 * log_loss}), mean ± 95 % interval over the episodes.
 *
 * <p>How it differs from {@code multitask}: that plugin trains a dense multi-task model (a shared
 * encoder with one head per task of a multi-task dataset, combined by a weighting method) and
 * evaluates the same heads; this one is a few-shot learner over an episodic dataset whose
 * "tasks" are the sampled episodes, whose heads are rows of one class matrix, and whose test
 * classes are new, adapted to by the logistic regression.
 *
 * <p>Read against the official code (AI-secure/multi-task-learning, {@code lightning_mtl.py},
 * {@code lightning_episodic_module.py}, {@code train.py}). Deviations: the class rows are
 * selected by the training class's position in the dataset's training split, not by its
 * original label (an order of rows, immaterial under an i.i.d. initialisation); the official code
 * early-stops on validation accuracy (patience 15 epochs of 1,600 episodes) and tests the best
 * checkpoint, here the run trains {@code experiment.steps} steps and {@code checkpoints/best}
 * keeps the best validation accuracy; the normalisation divides by {@code max(|z|, 1e-12)}
 * (PyTorch's {@code F.normalize}) at test too, where the official {@code normalize} divides by
 * {@code |z|} (they differ only for a zero embedding); the official code's other test
 * method, {@code tune-all}, is {@code test-method = tune-all} ({@link TuneAllHead}: the whole
 * network fine-tuned per episode from nearest-centroid weights, with its deviations there), and
 * {@code finetune} (a choice of {@code train.py} that its {@code meta_test} does not implement) is
 * not offered.
 */
public final class Mtl implements Algorithm {

    /** The name of the head matrix among {@link #parameters()}. */
    static final String HEADS = "mtl.train-heads";
    /** scikit-learn 1.2's {@code log_loss} clips probabilities to the float64 epsilon. */
    private static final double LOG_LOSS_EPS = 2.220446049250313e-16;

    private final Autograd autograd;
    private final Rng rng;
    private final int metaBatch;
    private final boolean normTrainFeatures;
    private final double logregC;
    private final double logregTol;
    private final int logregMaxIter;
    private final int evalEpisodes;
    private final int testEpisodes;
    private final int evalChunk;
    private final boolean tuneAll;
    private final int tuneAllSteps;
    private final Optimizer tuneAllOptimizer;
    private final NDManager manager;
    private final DataType dataType;

    private ClassIndexedSource source;
    private Backbone backbone;
    private Optimizer optimizer;
    private Params encoder;
    private NDArray heads;
    private Params params;
    private int trainWays;
    private ClassificationTask trainTask;

    Mtl(PluginContext ctx) {
        Config c = ctx.config();
        this.autograd = ctx.autograd();
        this.rng = ctx.rng();
        this.metaBatch = c.getInt("meta-batch");
        this.normTrainFeatures = c.getBoolean("norm-train-features");
        this.logregC = c.getDouble("logreg-c");
        this.logregTol = c.getDouble("logreg-tol");
        this.logregMaxIter = c.getInt("logreg-max-iter");
        this.evalEpisodes = c.getInt("eval-episodes");
        this.testEpisodes = c.getInt("test-episodes");
        this.evalChunk = c.getInt("eval-chunk");
        this.tuneAll = c.getString("test-method").equals("tune-all");
        this.tuneAllSteps = c.getInt("tune-all-steps");
        this.tuneAllOptimizer = tuneAll ? ctx.plugin("tune-all-optimizer", Optimizer.class) : null;
        this.manager = ctx.manager();
        this.dataType = ctx.dataType();
    }

    @Override
    public void init(Components components) {
        this.source = components.dataset(ClassIndexedSource.class);
        this.backbone = components.backbone(Backbone.class);
        this.optimizer = components.optimizer();
        FewShotEpisodes.requireClassification(source, "mtl");
        this.trainWays = source.episodeShape(Split.TRAIN).ways();
        this.trainTask = new ClassificationTask("class", trainWays);
        this.encoder = backbone.init(source.spec(), rng.split("init"), manager, dataType);
        FewShotEpisodes.requireEmbedding(encoder, "mtl");
        int classes = source.trainingClasses();
        long dim = embeddingSize();
        // kaiming_uniform_(a = sqrt(5)) on [C, D]: gain sqrt(2 / 6), bound gain * sqrt(3 / D) = 1 / sqrt(D)
        double bound = 1 / Math.sqrt(dim) * Math.sqrt((double) classes / trainWays);
        Rng headRng = rng.split("heads");
        double[] values = new double[Math.toIntExact(classes * dim)];
        for (int i = 0; i < values.length; i++) {
            values[i] = headRng.uniform(-bound, bound);
        }
        this.heads = owned(manager, values, new Shape(classes, dim));
        heads.setRequiresGradient(true);
        this.params = encoder.concat(Params.of(List.of(HEADS), List.of(heads)));
    }

    /** The embedding's size, from one evaluation pass over two blank images. */
    private long embeddingSize() {
        long[] image = source.spec().inputShape();
        try (NDManager m = manager.newSubManager(); Autograd.Scope off = autograd.pause()) {
            encoder.tempAttach(m);
            NDArray x = m.zeros(new Shape(2).addAll(new Shape(image)), dataType);
            NDArray z = backbone.forward(encoder, x, Forward.evaluation(rng)).singletonOrThrow();
            return z.getShape().size() / 2;
        }
    }

    @Override
    public Params parameters() {
        return params;
    }

    @Override
    public Metrics trainStep(Step step) {
        NDManager m = step.manager();
        ClassIndexedSource.Drawn drawn = source.sampleClasses(metaBatch, rng, m);
        TaskBatch batch = drawn.episodes();
        int classes = Math.toIntExact(heads.getShape().get(0));
        Params trained = params.trainable();
        NDArray loss;
        NDArray accuracy;
        NDList grads;
        try (Autograd.Scope rec = autograd.record()) {
            NDArray total = null;
            NDArray hits = null;
            for (int t = 0; t < batch.taskCount(); t++) {
                TaskBatch e = batch.episode(t);
                NDArray z = embed(params, e, Forward.training(rng, step.clock()), normTrainFeatures);
                NDArray selection = selection(m, drawn.classes()[t], classes);
                NDArray rows = selection.matMul(heads);
                NDArray logits = z.matMul(rows.transpose());
                Targets y = Targets.of(e.supportTargets().concat(e.queryTargets(), 0));
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

    /** The one-hot {@code [ways, C]} matrix that picks an episode's class rows, label by label. */
    private NDArray selection(NDManager m, int[] episodeClasses, int classes) {
        double[] onehot = new double[episodeClasses.length * classes];
        for (int j = 0; j < episodeClasses.length; j++) {
            onehot[j * classes + episodeClasses[j]] = 1;
        }
        return owned(m, onehot, new Shape(episodeClasses.length, classes));
    }

    /**
     * A torch-owned array of the experiment's type: an array created from a Java array reads a
     * direct buffer that only the garbage collector frees (and {@code toType} to the same type
     * does not copy), so the result is a {@code duplicate}.
     */
    private NDArray owned(NDManager m, double[] values, Shape shape) {
        if (dataType == DataType.FLOAT64) {
            try (NDArray raw = m.create(values, shape)) {
                return raw.duplicate();
            }
        }
        float[] narrow = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            narrow[i] = (float) values[i];
        }
        try (NDArray raw = m.create(narrow, shape)) {
            return raw.toType(dataType, false).duplicate();
        }
    }

    /**
     * The embeddings {@code [S + Q, D]} of an episode's support then query images, in one pass
     * (so batch statistics, where a model uses them, see the whole episode, as in the official
     * code), optionally L2-normalised row by row.
     */
    private NDArray embed(Params p, TaskBatch e, Forward forward, boolean normalise) {
        NDArray z = FewShotEpisodes.embed(backbone, p, e.supportInputs().concat(e.queryInputs(), 0), forward);
        return normalise ? TuneAllHead.normalise(z) : z;
    }

    @Override
    public Evaluation evaluate(Split split, NDManager evalManager) {
        int count = split == Split.TEST ? testEpisodes : evalEpisodes;
        Episodes episodes = source.evaluationEpisodes(split, count);
        int ways = source.episodeShape(split).ways();
        if (tuneAll) {
            return evaluateTuneAll(episodes, ways, count, evalManager);
        }
        MultinomialLogisticRegression logreg =
                new MultinomialLogisticRegression(logregC, Lbfgs.scipyDefaults(logregTol, logregMaxIter));
        MeanCi95.Running accuracy = new MeanCi95.Running();
        MeanCi95.Running loss = new MeanCi95.Running();
        MeanCi95.Running iterations = new MeanCi95.Running();
        while (episodes.remaining() > 0) {
            try (NDManager m = evalManager.newSubManager(); Autograd.Scope off = autograd.pause()) {
                params.tempAttach(m);
                TaskBatch b = episodes.next(evalChunk, m);
                for (int t = 0; t < b.taskCount(); t++) {
                    TaskBatch e = b.episode(t);
                    int s = Math.toIntExact(e.supportInputs().getShape().get(0));
                    NDArray z = embed(params, e, Forward.evaluation(rng), true);
                    double[][] features = rows(z);
                    double[][] support = java.util.Arrays.copyOfRange(features, 0, s);
                    double[][] query = java.util.Arrays.copyOfRange(features, s, features.length);
                    MultinomialLogisticRegression.Model model = logreg.fit(support, labels(e.supportTargets()), ways);
                    Episode scored = score(model, query, labels(e.queryTargets()));
                    accuracy.add(scored.accuracy());
                    loss.add(scored.loss());
                    iterations.add(model.solve().iterations());
                }
            }
        }
        Metrics.Builder out = Metrics.builder();
        accuracy.result().putInto(out, "accuracy", Direction.HIGHER_IS_BETTER);
        loss.result().putInto(out, "loss", Direction.LOWER_IS_BETTER);
        out.put("logreg-iterations", iterations.result().mean());
        out.put("episodes", count);
        return Evaluation.of(out.build());
    }

    /** {@code test-method = tune-all}: one episode at a time, each fine-tuned in its own manager. */
    private Evaluation evaluateTuneAll(Episodes episodes, int ways, int count, NDManager evalManager) {
        TuneAllHead head = new TuneAllHead(backbone, autograd, tuneAllOptimizer, tuneAllSteps, rng, evalManager);
        MeanCi95.Running accuracy = new MeanCi95.Running();
        MeanCi95.Running loss = new MeanCi95.Running();
        try {
            while (episodes.remaining() > 0) {
                try (NDManager m = evalManager.newSubManager()) {
                    encoder.tempAttach(m);
                    TaskBatch e = episodes.next(1, m).episode(0);
                    NDArray logits = head.queryLogits(encoder, e.supportInputs(), e.supportTargets(), e.queryInputs(),
                            ways, m);
                    Episode scored = score(rows(logits), labels(e.queryTargets()));
                    accuracy.add(scored.accuracy());
                    loss.add(scored.loss());
                }
            }
        } finally {
            head.reset();
        }
        Metrics.Builder out = Metrics.builder();
        accuracy.result().putInto(out, "accuracy", Direction.HIGHER_IS_BETTER);
        loss.result().putInto(out, "loss", Direction.LOWER_IS_BETTER);
        out.put("tune-all-steps", tuneAllSteps);
        out.put("episodes", count);
        return Evaluation.of(out.build());
    }

    /**
     * A query set's accuracy and log loss from its logits: the softmax's probabilities, the first
     * largest logit as the prediction (numpy's {@code argmax}).
     */
    static Episode score(double[][] logits, int[] labels) {
        double hits = 0;
        double nll = 0;
        for (int i = 0; i < labels.length; i++) {
            double[] row = logits[i];
            int best = 0;
            double max = row[0];
            for (int k = 1; k < row.length; k++) {
                if (row[k] > max) {
                    max = row[k];
                    best = k;
                }
            }
            double sum = 0;
            for (double v : row) {
                sum += StrictMath.exp(v - max);
            }
            double p = StrictMath.exp(row[labels[i]] - max) / sum;
            hits += best == labels[i] ? 1 : 0;
            nll -= StrictMath.log(Math.max(p, LOG_LOSS_EPS));
        }
        return new Episode(hits / labels.length, nll / labels.length);
    }

    /** A query set's accuracy and mean negative log-likelihood. */
    record Episode(double accuracy, double loss) {}

    static Episode score(MultinomialLogisticRegression.Model model, double[][] query, int[] labels) {
        int[] predicted = model.predict(query);
        double[][] p = model.probabilities(query);
        double hits = 0;
        double nll = 0;
        for (int i = 0; i < labels.length; i++) {
            hits += predicted[i] == labels[i] ? 1 : 0;
            nll -= StrictMath.log(Math.max(p[i][labels[i]], LOG_LOSS_EPS));
        }
        return new Episode(hits / labels.length, nll / labels.length);
    }

    private static double[][] rows(NDArray z) {
        int n = Math.toIntExact(z.getShape().get(0));
        int d = Math.toIntExact(z.getShape().get(1));
        double[] flat = z.toType(DataType.FLOAT64, false).toDoubleArray();
        double[][] out = new double[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }

    private static int[] labels(NDArray y) {
        long[] raw = y.toType(DataType.INT64, false).toLongArray();
        int[] out = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            out[i] = Math.toIntExact(raw[i]);
        }
        return out;
    }

    @Override
    public Selection selection() {
        return new Selection("accuracy", true);
    }

    /** Registers {@code mtl}. */
    @AutoService(AlgorithmFactory.class)
    public static final class Factory implements AlgorithmFactory {
        @Override
        public String name() {
            return "mtl";
        }

        @Override
        public String summary() {
            return "multi-task learning as meta-learning (Wang, Zhao & Li 2021): few-shot episodes trained as plain"
                    + " cross-entropy over rows of one training-class head matrix (no inner loop); tested by an L2"
                    + " logistic regression (scikit-learn's, C = 3) on normalised support features, or (test-method ="
                    + " tune-all) by fine-tuning the whole network per episode from nearest-centroid weights. Not the dense"
                    + " weighted multi-task trainer, which is 'multitask'";
        }

        @Override
        public Algorithm create(PluginContext ctx) {
            return new Mtl(ctx);
        }
    }
}
