package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.EpisodeShape;
import dev.meta4j.api.data.Episodes;
import dev.meta4j.api.data.RegressionTask;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import java.util.List;

/**
 * Regression episodes given point by point, for hand-computed checks: training draws cycle
 * through them in order (draw k is episode k mod n), held-out sequences start at the first. Each
 * episode's query set is its support set.
 */
final class FixedRegressionEpisodes implements TaskSource {

    private final double[][][] episodes; // [episode][0: x, 1: y][point]
    private final DataType type;
    private int next;

    FixedRegressionEpisodes(DataType type, double[][]... xy) {
        this.episodes = new double[xy.length][][];
        for (int i = 0; i < xy.length; i++) {
            episodes[i] = xy[i];
        }
        this.type = type;
    }

    @Override
    public DataSpec spec() {
        return new DataSpec(new long[] {1}, List.of(new RegressionTask("y", 1)));
    }

    @Override
    public EpisodeShape episodeShape(Split split) {
        int n = episodes[0][0].length;
        return new EpisodeShape(0, n, n);
    }

    @Override
    public TaskBatch sample(int tasks, Rng rng, NDManager manager) {
        int[] which = new int[tasks];
        for (int i = 0; i < tasks; i++) {
            which[i] = next++ % episodes.length;
        }
        return batch(which, manager);
    }

    @Override
    public Episodes evaluationEpisodes(Split split, int count) {
        int[] drawn = {0};
        return Episodes.sequential(count, (n, m) -> {
            int[] which = new int[n];
            for (int i = 0; i < n; i++) {
                which[i] = drawn[0]++ % episodes.length;
            }
            return batch(which, m);
        });
    }

    private TaskBatch batch(int[] which, NDManager m) {
        NDList xs = new NDList();
        NDList ys = new NDList();
        for (int e : which) {
            int n = episodes[e][0].length;
            xs.add(m.create(episodes[e][0], new Shape(n, 1)).toType(type, false));
            ys.add(m.create(episodes[e][1], new Shape(n, 1)).toType(type, false));
        }
        NDArray x = NDArrays.stack(xs);
        NDArray y = NDArrays.stack(ys);
        return new TaskBatch(x, y, x.duplicate(), y.duplicate());
    }
}
