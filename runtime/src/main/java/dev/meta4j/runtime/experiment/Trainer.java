package dev.meta4j.runtime.experiment;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.typesafe.config.Config;
import dev.meta4j.api.Split;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.algorithm.Algorithm;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Evaluation;
import dev.meta4j.api.algorithm.Figure;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.algorithm.Selection;
import dev.meta4j.api.data.Task;
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
 * every validation, every {@code experiment.checkpoint-every} steps and every
 * {@code experiment.checkpoint-every-seconds}; {@code best} when the selection metric improves),
 * test evaluation at the end, plots and {@code summary.json}.
 *
 * <p>SIGTERM and SIGINT stop the run at the next step boundary (or after the evaluation under
 * way) with a checkpoint, a partial {@code summary.json} and {@link Interrupted}.
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    private final Experiment experiment;
    private final RunFolder folder;
    private final Algorithm algorithm;
    private final Selection selection;
    /** The run's display, also told when an evaluation starts and ends. */
    private Progress progress = Progress.silent();
    private final long totalSteps;
    private final long stepsPerEpoch;
    private final long logEvery;
    private final long evalEvery;
    private final long checkpointEvery;
    private final long checkpointNanos;
    private final TestTail testTail;

    private double bestScore = Double.POSITIVE_INFINITY;
    private long bestStep = -1;
    private Metrics lastValidation = Metrics.empty();
    private final MetricWindow window = new MetricWindow();
    // Time spent by earlier processes on the work a resumed run keeps: for speed figures only.
    private long trainNanosBefore;
    private long timedStepsBefore;
    private long wallNanosBefore;
    /** The highest peak RSS (KiB) of the processes that worked on this run before this one; -1: none known. */
    private long peakKibBefore = -1;
    /** Whether this process's peak was reset when the run started, so that it is this run's own. */
    private boolean peakIsOwn;
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
        Config ex = experiment.config().experiment();
        RunLength length = RunLength.of(experiment.config().experiment(), algorithm.stepsPerEpoch());
        this.stepsPerEpoch = length.stepsPerEpoch();
        this.totalSteps = length.totalSteps();
        this.logEvery = length.logEvery();
        this.evalEvery = length.evalEvery();
        this.checkpointEvery = ex.getLong("checkpoint-every");
        this.checkpointNanos = ex.getLong("checkpoint-every-seconds") * 1_000_000_000L;
        this.testTail = new TestTail(ex.getBoolean("test") ? ex.getInt("test-last") : 0, totalSteps, evalEvery);
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
     * @throws Interrupted if SIGTERM or SIGINT stopped the run (after a checkpoint)
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
        peakIsOwn = PeakMemory.reset();
        Clock clock = new Clock(start);
        try (StopSignals signals = StopSignals.install(); MetricsLog metrics = resumeFrom == null
                ? MetricsLog.create(folder.metrics())
                : MetricsLog.resume(folder.metrics(), resumeFrom.bookkeeping().has("metricsLines")
                        ? resumeFrom.bookkeeping().get("metricsLines").getAsLong() : -1, start)) {
            progress = Progress.forConsole(totalSteps, start);
            for (long s = start; s < totalSteps; s++) {
                long t0 = System.nanoTime();
                Experiment.TrainedStep trained = experiment.trainStep(new TrainingClock(s, totalSteps, stepsPerEpoch));
                clock.stepTook(System.nanoTime() - t0);
                Metrics m = trained.metrics();
                double lr = trained.learningRate();
                window.add(m);
                long done = s + 1;
                OptionalDouble loss = m.get(Metrics.LOSS);
                if (loss.isPresent() && !Double.isFinite(loss.getAsDouble())) {
                    metrics.write(done, "train", lr, m);
                    writeSummary("diverged", done, clock, Metrics.empty(), Metrics.empty(), metrics);
                    throw new TrainingFailed("training diverged at step " + done + ": loss is " + loss.getAsDouble()
                            + " (lower the learning rate?); outputs are in " + folder.dir());
                }
                if (done % logEvery == 0 || done == totalSteps) {
                    metrics.write(done, "train", lr, window.mean());
                    window.clear();
                }
                progress.update(done, loss.isPresent() ? String.format(Locale.ROOT, "loss %.4g", loss.getAsDouble()) : "");
                boolean validated = (evalEvery > 0 && done % evalEvery == 0) || done == totalSteps;
                boolean better = validated && validate(done, metrics);
                if (validated && testTail.covers(done)) {
                    // Before the checkpoint, so that the checkpoint counts the line.
                    evaluate(Split.TEST, TestTail.SPLIT, done, metrics, false);
                }
                String stop = signals.received();
                if (validated || stop != null || clock.checkpointDue(done)) {
                    checkpoint(done, metrics, better, clock);
                }
                if (stop != null) {
                    throw interrupted(stop, signals.exitCode(), done, "", clock);
                }
                afterStep.accept(done);
            }
            progress.finish();
            Metrics test = Metrics.empty();
            Metrics testBest = Metrics.empty();
            if (ex.getBoolean("test")) {
                test = evaluate(Split.TEST, "test", totalSteps, metrics, ex.getBoolean("plots"));
                stopIfSignalled(signals, clock);
                if (ex.getString("select-checkpoint").equals("best") && bestStep >= 0 && bestStep != totalSteps) {
                    Checkpoint.Contents best = Checkpoint.read(folder.bestCheckpoint(), experiment.manager());
                    experiment.loadState(best.state());
                    testBest = evaluate(Split.TEST, "test-best", totalSteps, metrics, false);
                    stopIfSignalled(signals, clock);
                }
            }
            if (ex.getBoolean("plots")) {
                PlotRenderer.render(TrainingCurves.of(metrics.lines()), folder.plot("training-curves"));
            }
            JsonObject summary = writeSummary("finished", totalSteps, clock, test, testBest, metrics);
            return new Result(folder, test, testBest, summary);
        } catch (IOException e) {
            throw new UncheckedIOException("writing run outputs in " + folder.dir() + " failed: " + e.getMessage(), e);
        }
    }

    /** A signal in the test phase: the checkpoint of the last step stands, the test is redone on resume. */
    private void stopIfSignalled(StopSignals signals, Clock clock) throws IOException {
        String stop = signals.received();
        if (stop != null) {
            throw interrupted(stop, signals.exitCode(), totalSteps, " (in the test phase)", clock);
        }
    }

    private Interrupted interrupted(String signal, int exitCode, long done, String phase, Clock clock)
            throws IOException {
        writeSummary("interrupted", done, clock, Metrics.empty(), Metrics.empty(), null);
        String message = "interrupted by " + signal + " at step " + done + phase + "; resume with: meta4j run --resume "
                + folder.dir();
        LOG.warn(message);
        return new Interrupted(message, exitCode);
    }

    /** Returns whether the score is the best so far. */
    private boolean validate(long done, MetricsLog metrics) throws IOException {
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
        LOG.debug("validation at step {}: {}", done, v);
        return better;
    }

    /**
     * Writes {@code last} (and {@code best} first, so that {@code last} never names a best step
     * whose file is older). Only reads the state: a run with many checkpoints computes exactly
     * what a run with few does.
     */
    private void checkpoint(long done, MetricsLog metrics, boolean better, Clock clock) throws IOException {
        metrics.sync();
        try (NDManager tmp = experiment.manager().newSubManager()) {
            StateDict scoped = new StateDict(tmp);
            experiment.saveState(scoped);
            Map<String, Object> book = bookkeeping(metrics.lines().size(), done, clock);
            if (better) {
                Checkpoint.write(folder.bestCheckpoint(), done, scoped, book);
            }
            Checkpoint.write(folder.lastCheckpoint(), folder.previousCheckpoint(), done, scoped, book);
        }
        clock.checkpointed();
    }

    private Metrics evaluate(Split split, String label, long step, MetricsLog metrics, boolean plots) throws IOException {
        progress.note("evaluating " + label + " at step " + step + " ...");
        long t0 = System.nanoTime();
        Evaluation ev = experiment.evaluate(split);
        progress.note(label + " at step " + step + " took " + Progress.duration((System.nanoTime() - t0) / 1e9)
                + headline(ev.metrics()));
        metrics.write(step, label, Double.NaN, ev.metrics());
        if (plots) {
            for (Figure f : ev.figures()) {
                PlotRenderer.render(f, folder.plot(f.name()));
            }
        }
        return ev.metrics();
    }

    /** The selection metric (with its CI95 where there is one) for the progress line. */
    private String headline(Metrics m) {
        OptionalDouble v = m.get(selection.metric());
        if (v.isEmpty()) {
            return "";
        }
        OptionalDouble ci = m.get(selection.metric() + "-ci95");
        return String.format(Locale.ROOT, ": %s %.4g%s", selection.metric(), v.getAsDouble(),
                ci.isPresent() ? String.format(Locale.ROOT, " ± %.2g", ci.getAsDouble()) : "");
    }

    private Map<String, Object> bookkeeping(int metricsLines, long done, Clock clock) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("bestScore", bestScore);
        b.put("bestStep", bestStep);
        b.put("window", window.snapshot());
        b.put("lastValidation", lastValidation.asMap());
        Map<String, String> directions = new LinkedHashMap<>();
        lastValidation.directions().forEach((k, d) -> directions.put(k, d.key()));
        b.put("lastValidationDirections", directions);
        b.put("metricsLines", metricsLines);
        b.put("trainNanos", clock.trainNanos());
        b.put("timedSteps", clock.timedSteps(done));
        b.put("wallNanos", clock.wallNanos());
        b.put("peakRssKib", peakKib());
        return b;
    }

    private long restore(Checkpoint.Contents c) {
        experiment.loadState(c.state());
        JsonObject b = c.bookkeeping();
        bestScore = b.get("bestScore").getAsDouble();
        bestStep = b.get("bestStep").getAsLong();
        window.restore(b.getAsJsonObject("window"));
        if (b.has("lastValidation")) {
            JsonObject d = b.has("lastValidationDirections") ? b.getAsJsonObject("lastValidationDirections") : new JsonObject();
            Metrics.Builder v = Metrics.builder();
            b.getAsJsonObject("lastValidation").entrySet().forEach(e -> v.put(e.getKey(), e.getValue().getAsDouble(),
                    d.has(e.getKey()) ? Direction.ofKey(d.get(e.getKey()).getAsString()) : null));
            lastValidation = v.build();
        }
        trainNanosBefore = b.has("trainNanos") ? b.get("trainNanos").getAsLong() : 0;
        timedStepsBefore = b.has("timedSteps") ? b.get("timedSteps").getAsLong() : 0;
        wallNanosBefore = b.has("wallNanos") ? b.get("wallNanos").getAsLong() : 0;
        peakKibBefore = b.has("peakRssKib") ? b.get("peakRssKib").getAsLong() : -1;
        return c.step();
    }

    /**
     * The wall-clock side of a run: when the next timed checkpoint is due, and the time the kept
     * work took, over every process that worked on it. None of it reaches the numbers.
     */
    private final class Clock {
        private final long start;
        private final long wallStart = System.nanoTime();
        private long lastCheckpoint = wallStart;
        private long stepNanos;

        Clock(long start) {
            this.start = start;
        }

        boolean checkpointDue(long done) {
            return (checkpointEvery > 0 && done % checkpointEvery == 0)
                    || (checkpointNanos > 0 && System.nanoTime() - lastCheckpoint >= checkpointNanos);
        }

        void checkpointed() {
            lastCheckpoint = System.nanoTime();
        }

        void stepTook(long nanos) {
            stepNanos += nanos;
        }

        long trainNanos() {
            return trainNanosBefore + stepNanos;
        }

        long timedSteps(long done) {
            return timedStepsBefore + done - start;
        }

        long wallNanos() {
            return wallNanosBefore + System.nanoTime() - wallStart;
        }
    }

    /**
     * The run's peak RSS so far, over the processes that worked on it: this process's high-water mark
     * (reset at the start, unless the system refused, when it may be an earlier run's in the same
     * worker: then none) and what the checkpoint remembers of the earlier ones.
     *
     * @return KiB, or -1 if unknown
     */
    private long peakKib() {
        long own = peakIsOwn ? PeakMemory.peakKib().orElse(-1) : -1;
        return Math.max(own, peakKibBefore);
    }

    /**
     * Writes {@code summary.json}.
     *
     * @param log the run's log, for the mean of the last test evaluations (null: leave it out)
     */
    private JsonObject writeSummary(String status, long done, Clock clock, Metrics test, Metrics testBest,
            MetricsLog log) throws IOException {
        JsonObject s = new JsonObject();
        Config ex = experiment.config().experiment();
        s.addProperty("name", ex.getString("name"));
        s.addProperty("status", status);
        s.addProperty("seed", ex.getLong("seed"));
        s.addProperty("steps", done);
        double trainSeconds = clock.trainNanos() / 1e9;
        s.addProperty("train_seconds", trainSeconds);
        s.addProperty("wall_seconds", clock.wallNanos() / 1e9);
        s.addProperty("steps_per_second", trainSeconds > 0 ? clock.timedSteps(done) / trainSeconds : 0);
        long peak = peakKib();
        if (peak >= 0) {
            s.addProperty("peak_rss_mb", peak / 1024.0);
        }
        JsonObject sel = new JsonObject();
        sel.addProperty("metric", "validation/" + selection.metric());
        sel.addProperty("higher_is_better", selection.higherIsBetter());
        if (bestStep >= 0) {
            sel.addProperty("best_step", bestStep);
            sel.addProperty("best_value", selection.higherIsBetter() ? -bestScore : bestScore);
        }
        s.add("selection", sel);
        s.add("tasks", tasks());
        s.add("validation", GSON.toJsonTree(lastValidation.asMap()));
        s.add("test", GSON.toJsonTree(test.asMap()));
        if (!testBest.asMap().isEmpty()) {
            s.add("test_best", GSON.toJsonTree(testBest.asMap()));
        }
        java.util.Optional<Metrics> last = log == null ? java.util.Optional.empty()
                : testTail.mean(log.lines(), test, lastValidation);
        if (last.isPresent()) {
            JsonObject o = new JsonObject();
            o.addProperty("evaluations", testTail.logged(log.lines()));
            o.add("steps", GSON.toJsonTree(testTail.steps()));
            o.add("metrics", GSON.toJsonTree(last.get().asMap()));
            s.add("test_last", o);
        }
        // the result: the best checkpoint's test where it differs from the final parameters
        s.addProperty("reported", testBest.asMap().isEmpty() ? "test" : "test_best");
        s.add("directions", directions(lastValidation, test, testBest));
        experiment.singleTaskBaselines().ifPresent(b -> addDeltas(s, b, test, testBest, last.orElse(Metrics.empty())));
        RunFolder.writeAtomically(folder.summary(), GSON.toJson(s) + "\n");
        return s;
    }

    /**
     * Δm% and LibMTL's Δp of each tested set of parameters against the dataset's published
     * single-task baselines; a set that lacks a baselined metric is left out.
     */
    private static void addDeltas(JsonObject s, dev.meta4j.api.data.SingleTaskBaselines b, Metrics test,
            Metrics testBest, Metrics last) {
        JsonObject stl = new JsonObject();
        stl.addProperty("source", b.source());
        stl.add("values", GSON.toJsonTree(b.values()));
        s.add("stl_baselines", stl);
        JsonObject deltaM = new JsonObject();
        JsonObject deltaP = new JsonObject();
        Map<String, Metrics> tested = new LinkedHashMap<>();
        tested.put("test", test);
        tested.put("test_best", testBest);
        tested.put("test_last", last);
        tested.forEach((name, m) -> {
            dev.meta4j.runtime.report.DeltaM.percent(m, b).ifPresent(d -> deltaM.addProperty(name, d));
            Map<String, Double> p = dev.meta4j.runtime.report.DeltaM.libMtlDeltaP(m, b);
            if (!p.isEmpty()) {
                deltaP.add(name, GSON.toJsonTree(p));
            }
        });
        // Δm%: lower is better; LibMTL's Δp: higher is better. They weigh metrics differently.
        s.add("delta_m_percent", deltaM);
        s.add("libmtl_delta_p_percent", deltaP);
    }

    /** The dataset's tasks with their headline metrics, so that a suite never guesses from names. */
    private JsonArray tasks() {
        JsonArray out = new JsonArray();
        for (Task t : experiment.dataSpec().tasks()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", t.name());
            o.addProperty("metric", t.metric().name());
            o.addProperty("direction", t.metric().direction().key());
            out.add(o);
        }
        return out;
    }

    /** Which way each reported metric improves, for every metric that says. */
    private static JsonObject directions(Metrics... all) {
        JsonObject out = new JsonObject();
        for (Metrics m : all) {
            m.directions().forEach((k, d) -> out.addProperty(k, d.key()));
        }
        return out;
    }

    /** Training stopped because the loss is no longer a finite number. */
    public static final class TrainingFailed extends RuntimeException {
        TrainingFailed(String message) {
            super(message);
        }
    }

    /** SIGTERM or SIGINT stopped the run; a checkpoint and a partial summary were written. */
    public static final class Interrupted extends RuntimeException {
        private final int exitCode;

        Interrupted(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }

        /** @return the conventional exit code: 128 + the signal's number */
        public int exitCode() {
            return exitCode;
        }
    }
}
