package dev.meta4j.runtime.experiment;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.typesafe.config.Config;
import dev.meta4j.api.Split;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.Evaluation;
import dev.meta4j.api.algorithm.Figure;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.algorithm.Selection;
import dev.meta4j.api.algorithm.Step;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.runtime.report.PlotRenderer;
import dev.meta4j.runtime.report.TrainingCurves;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop: steps, periodic logging and validation, checkpoints ({@code last} after
 * every validation, {@code best} when the selection metric improves), test evaluation at the end,
 * plots and {@code summary.json}.
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    private final Experiment experiment;
    private final RunFolder folder;
    private final Algorithm algorithm;
    private final Selection selection;
    private final long totalSteps;
    private final long stepsPerEpoch;
    private final long logEvery;
    private final long evalEvery;

    private double bestScore = Double.POSITIVE_INFINITY;
    private long bestStep = -1;
    private Metrics lastValidation = Metrics.empty();
    private final MetricWindow window = new MetricWindow();
    private java.util.function.LongConsumer afterStep = step -> {};

    /**
     * The result of a run.
     *
     * @param folder the run folder
     * @param test test metrics of the final parameters (empty if not evaluated)
     * @param testBest test metrics of the best checkpoint (empty if it is the final one)
     * @param summary what {@code summary.json} holds
     */
    public record Result(RunFolder folder, Metrics test, Metrics testBest, JsonObject summary) {}

    /**
     * Prepares a run.
     *
     * @param experiment the wired plugins
     * @param folder where outputs go
     */
    public Trainer(Experiment experiment, RunFolder folder) {
        this.experiment = experiment;
        this.folder = folder;
        this.algorithm = experiment.algorithm();
        this.selection = algorithm.selection();
        RunLength length = RunLength.of(experiment.config().experiment(), algorithm.stepsPerEpoch());
        this.stepsPerEpoch = length.stepsPerEpoch();
        this.totalSteps = length.totalSteps();
        this.logEvery = length.logEvery();
        this.evalEvery = length.evalEvery();
    }

    /**
     * Calls a hook after every completed step (after any validation and checkpoint of that step):
     * for progress displays of embedding programs, and for tests that interrupt a run.
     *
     * @param hook receives the number of completed steps
     * @return this trainer
     */
    public Trainer afterEachStep(java.util.function.LongConsumer hook) {
        this.afterStep = hook;
        return this;
    }

    /** @return the number of steps of the run */
    public long totalSteps() {
        return totalSteps;
    }

    /**
     * Trains from scratch, or continues from a checkpoint.
     *
     * @param resumeFrom the checkpoint to continue from, or null
     * @return the result
     * @throws TrainingFailed if the loss becomes NaN or infinite
     */
    public Result run(Checkpoint.Contents resumeFrom) {
        Config ex = experiment.config().experiment();
        long start = 0;
        try {
            if (resumeFrom == null) {
                RunFolder.writeAtomically(folder.config(), experiment.config().render());
            } else {
                start = restore(resumeFrom);
                LOG.info("resuming {} at step {}/{}", folder.dir(), start, totalSteps);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long wallStart = System.nanoTime();
        long trainNanos = 0;
        try (MetricsLog metrics = MetricsLog.open(folder.metrics(), resumeFrom == null ? -1 : start)) {
            Progress progress = Progress.forConsole(totalSteps, start);
            double lr = Double.NaN;
            for (long s = start; s < totalSteps; s++) {
                lr = experiment.optimizer().baseLearningRate()
                        * experiment.scheduler().factor(new TrainingClock(s, totalSteps, stepsPerEpoch));
                long t0 = System.nanoTime();
                Metrics m;
                try (NDManager stepManager = experiment.manager().newSubManager()) {
                    m = algorithm.trainStep(new Step(s, lr, stepManager));
                }
                trainNanos += System.nanoTime() - t0;
                window.add(m);
                long done = s + 1;
                OptionalDouble loss = m.get("loss");
                if (loss.isPresent() && !Double.isFinite(loss.getAsDouble())) {
                    metrics.write(done, "train", lr, m);
                    writeSummary("diverged", start, done, wallStart, trainNanos, Metrics.empty(), Metrics.empty());
                    throw new TrainingFailed("training diverged at step " + done + ": loss is " + loss.getAsDouble()
                            + " (lower the learning rate?); outputs are in " + folder.dir());
                }
                if (done % logEvery == 0 || done == totalSteps) {
                    metrics.write(done, "train", lr, window.mean());
                    window.clear();
                }
                progress.update(done, loss.isPresent() ? String.format(Locale.ROOT, "loss %.4g", loss.getAsDouble()) : "");
                if ((evalEvery > 0 && done % evalEvery == 0) || done == totalSteps) {
                    validate(done, metrics);
                }
                afterStep.accept(done);
            }
            progress.finish();
            Metrics test = Metrics.empty();
            Metrics testBest = Metrics.empty();
            if (ex.getBoolean("test")) {
                test = evaluate(Split.TEST, "test", totalSteps, metrics, ex.getBoolean("plots"));
                if (bestStep >= 0 && bestStep != totalSteps) {
                    Checkpoint.Contents best = Checkpoint.read(folder.bestCheckpoint(), experiment.manager());
                    experiment.loadState(best.state());
                    testBest = evaluate(Split.TEST, "test-best", totalSteps, metrics, false);
                }
            }
            if (ex.getBoolean("plots")) {
                PlotRenderer.render(TrainingCurves.of(metrics.lines()), folder.plot("training-curves"));
            }
            JsonObject summary = writeSummary("finished", start, totalSteps, wallStart, trainNanos, test, testBest);
            return new Result(folder, test, testBest, summary);
        } catch (IOException e) {
            throw new UncheckedIOException("writing run outputs in " + folder.dir() + " failed: " + e.getMessage(), e);
        }
    }

    private void validate(long done, MetricsLog metrics) throws IOException {
        Metrics v = evaluate(Split.VALIDATION, "validation", done, metrics, false);
        lastValidation = v;
        OptionalDouble value = v.get(selection.metric());
        if (value.isEmpty()) {
            throw new IllegalStateException("the algorithm selects checkpoints by '" + selection.metric()
                    + "' but its validation metrics are " + v.asMap().keySet());
        }
        double score = selection.score(value.getAsDouble());
        experiment.scheduler().observe(score);
        boolean better = score < bestScore;
        if (better) {
            bestScore = score;
            bestStep = done;
        }
        try (NDManager tmp = experiment.manager().newSubManager()) {
            StateDict scoped = new StateDict(tmp);
            experiment.saveState(scoped);
            Map<String, Object> book = bookkeeping();
            Checkpoint.write(folder.lastCheckpoint(), done, scoped, book);
            if (better) {
                Checkpoint.write(folder.bestCheckpoint(), done, scoped, book);
            }
        }
        LOG.debug("validation at step {}: {}", done, v);
    }

    private Metrics evaluate(Split split, String label, long step, MetricsLog metrics, boolean plots) throws IOException {
        Evaluation ev;
        try (NDManager m = experiment.manager().newSubManager()) {
            ev = algorithm.evaluate(split, m);
        }
        metrics.write(step, label, Double.NaN, ev.metrics());
        if (plots) {
            for (Figure f : ev.figures()) {
                PlotRenderer.render(f, folder.plot(f.name()));
            }
        }
        return ev.metrics();
    }

    private Map<String, Object> bookkeeping() {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("bestScore", bestScore);
        b.put("bestStep", bestStep);
        b.put("window", window.snapshot());
        return b;
    }

    private long restore(Checkpoint.Contents c) {
        experiment.loadState(c.state());
        JsonObject b = c.bookkeeping();
        bestScore = b.get("bestScore").getAsDouble();
        bestStep = b.get("bestStep").getAsLong();
        window.restore(b.getAsJsonObject("window"));
        return c.step();
    }

    private JsonObject writeSummary(String status, long start, long done, long wallStart, long trainNanos,
            Metrics test, Metrics testBest) throws IOException {
        JsonObject s = new JsonObject();
        Config ex = experiment.config().experiment();
        s.addProperty("name", ex.getString("name"));
        s.addProperty("status", status);
        s.addProperty("seed", ex.getLong("seed"));
        s.addProperty("steps", done);
        s.addProperty("first_step", start);
        double trainSeconds = trainNanos / 1e9;
        s.addProperty("train_seconds", trainSeconds);
        s.addProperty("wall_seconds", (System.nanoTime() - wallStart) / 1e9);
        s.addProperty("steps_per_second", trainSeconds > 0 ? (done - start) / trainSeconds : 0);
        JsonObject sel = new JsonObject();
        sel.addProperty("metric", "validation/" + selection.metric());
        sel.addProperty("higher_is_better", selection.higherIsBetter());
        if (bestStep >= 0) {
            sel.addProperty("best_step", bestStep);
            sel.addProperty("best_value", selection.higherIsBetter() ? -bestScore : bestScore);
        }
        s.add("selection", sel);
        s.add("validation", GSON.toJsonTree(lastValidation.asMap()));
        s.add("test", GSON.toJsonTree(test.asMap()));
        if (!testBest.asMap().isEmpty()) {
            s.add("test_best", GSON.toJsonTree(testBest.asMap()));
        }
        RunFolder.writeAtomically(folder.summary(), GSON.toJson(s) + "\n");
        return s;
    }

    /** Training stopped because the loss is no longer a finite number. */
    public static final class TrainingFailed extends RuntimeException {
        TrainingFailed(String message) {
            super(message);
        }
    }
}
