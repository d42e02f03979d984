package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.algorithm.Figure;
import dev.meta4j.api.data.TaskBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The "adapted fits" figure of one-dimensional regression episodes (sine MAML, Finn et al. Fig. 2). */
final class AdaptedFits {

    private AdaptedFits() {}

    /**
     * One panel per task for the first tasks of a batch: the support points, the true function
     * (the query points sorted by x), and the fits before and after each number of steps.
     *
     * @param b the episodes, with one-dimensional inputs
     * @param predictions query predictions, flattened [T, Q], one array per mark
     * @param marks the number of adaptation steps behind each prediction
     * @param count how many tasks to draw
     * @return the panels
     */
    static List<Figure.Panel> panels(TaskBatch b, List<double[]> predictions, int[] marks, int count) {
        List<Figure.Panel> panels = new ArrayList<>();
        double[] sx = toDoubles(b.supportInputs());
        double[] sy = toDoubles(b.supportTargets());
        double[] qx = toDoubles(b.queryInputs());
        double[] qy = toDoubles(b.queryTargets());
        int s = Math.toIntExact(b.supportInputs().getShape().get(1));
        int q = Math.toIntExact(b.queryInputs().getShape().get(1));
        for (int task = 0; task < Math.min(count, b.taskCount()); task++) {
            Integer[] order = new Integer[q];
            for (int i = 0; i < q; i++) {
                order[i] = i;
            }
            int base = task * q;
            Arrays.sort(order, (i, j) -> Double.compare(qx[base + i], qx[base + j]));
            double[] xs = new double[q];
            double[] truth = new double[q];
            for (int i = 0; i < q; i++) {
                xs[i] = qx[base + order[i]];
                truth[i] = qy[base + order[i]];
            }
            List<Figure.Series> series = new ArrayList<>();
            series.add(new Figure.Series("true function", xs, truth, false));
            for (int m = 0; m < predictions.size(); m++) {
                double[] pred = predictions.get(m);
                double[] ys = new double[q];
                for (int i = 0; i < q; i++) {
                    ys[i] = pred[base + order[i]];
                }
                String label = marks[m] == 0 ? "pre-update" : "after " + marks[m] + " step" + (marks[m] == 1 ? "" : "s");
                series.add(new Figure.Series(label, xs, ys, false));
            }
            series.add(new Figure.Series("support (K=" + s + ")", Arrays.copyOfRange(sx, task * s, task * s + s),
                    Arrays.copyOfRange(sy, task * s, task * s + s), true));
            panels.add(new Figure.Panel("test task " + (task + 1), "x", "y", series));
        }
        return panels;
    }

    private static double[] toDoubles(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
