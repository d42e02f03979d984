package dev.meta4j.datasets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.DatasetFactory;
import dev.meta4j.api.data.EpisodeShape;
import dev.meta4j.api.data.Episodes;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.data.RegressionTask;
import java.util.List;

/**
 * Sine-wave regression tasks (Finn, Abbeel &amp; Levine 2017, section 5.1): {@code y = A sin(x -
 * phi)} with amplitude, phase and inputs drawn uniformly; each task's support and query points
 * come from the same wave.
 */
public final class Sine implements TaskSource {

    private static final DataSpec SPEC = new DataSpec(new long[] {1}, List.of(new RegressionTask("y", 1)));

    private final double ampLow;
    private final double ampHigh;
    private final double phaseLow;
    private final double phaseHigh;
    private final double xLow;
    private final double xHigh;
    private final int shots;
    private final int queries;
    private final int evalQueries;
    private final long validationSeed;
    private final long testSeed;
    private final DataType dataType;

    Sine(Config c, DataType dataType) {
        this.ampLow = c.getDouble("amplitude-min");
        this.ampHigh = c.getDouble("amplitude-max");
        this.phaseLow = c.getDouble("phase-min");
        this.phaseHigh = c.getDouble("phase-max");
        this.xLow = c.getDouble("x-min");
        this.xHigh = c.getDouble("x-max");
        this.shots = c.getInt("shots");
        this.queries = c.getInt("queries");
        this.evalQueries = c.getInt("eval-queries");
        this.validationSeed = c.getLong("validation-seed");
        this.testSeed = c.getLong("test-seed");
        this.dataType = dataType;
        checkOrder("amplitude", ampLow, ampHigh, false);
        checkOrder("phase", phaseLow, phaseHigh, false);
        checkOrder("x", xLow, xHigh, true);
    }

    private static void checkOrder(String name, double min, double max, boolean strict) {
        if (strict ? min >= max : min > max) {
            throw new IllegalArgumentException(name + "-min = " + min + " must be " + (strict ? "below" : "at most") + " "
                    + name + "-max = " + max + "; swap them or change one");
        }
    }

    @Override
    public DataSpec spec() {
        return SPEC;
    }

    @Override
    public TaskBatch sample(int tasks, Rng rng, NDManager manager) {
        return draw(tasks, queries, rng, manager);
    }

    @Override
    public EpisodeShape episodeShape(Split split) {
        return new EpisodeShape(0, shots, split == Split.TRAIN ? queries : evalQueries);
    }

    @Override
    public Episodes evaluationEpisodes(Split split, int count) {
        // One generator draws episode after episode, so chunking does not change the episodes.
        Rng rng = new Rng(split == Split.TEST ? testSeed : validationSeed);
        return Episodes.sequential(count, (n, manager) -> draw(n, evalQueries, rng, manager));
    }

    private TaskBatch draw(int tasks, int nQuery, Rng rng, NDManager manager) {
        int n = shots + nQuery;
        double[] x = new double[tasks * n];
        double[] y = new double[tasks * n];
        for (int t = 0; t < tasks; t++) {
            double amp = rng.uniform(ampLow, ampHigh);
            double phase = rng.uniform(phaseLow, phaseHigh);
            for (int j = 0; j < n; j++) {
                double xi = rng.uniform(xLow, xHigh);
                x[t * n + j] = xi;
                y[t * n + j] = amp * StrictMath.sin(xi - phase);
            }
        }
        NDArray xs = manager.create(x, new Shape(tasks, n, 1)).toType(dataType, false);
        NDArray ys = manager.create(y, new Shape(tasks, n, 1)).toType(dataType, false);
        String s = ":, :" + shots;
        String q = ":, " + shots + ":";
        return new TaskBatch(xs.get(s), ys.get(s), xs.get(q), ys.get(q));
    }

    /** Registers {@code sine}. */
    @AutoService(DatasetFactory.class)
    public static final class Factory implements DatasetFactory {
        @Override
        public String name() {
            return "sine";
        }

        @Override
        public String summary() {
            return "sine-wave regression tasks y = A sin(x - phi) (Finn et al. 2017)";
        }

        @Override
        public Dataset create(PluginContext ctx) {
            return new Sine(ctx.config(), ctx.dataType());
        }
    }
}
