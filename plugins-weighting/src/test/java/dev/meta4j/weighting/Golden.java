package dev.meta4j.weighting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.api.weighting.TaskSignals;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The golden numbers written by {@code scripts/reference/weighting_gradient_golden.py}, {@code
 * weighting_mgda_golden.py} and {@code weighting_graddrop_golden.py} (read from the test classpath;
 * no Python at test time), and small helpers shared by the tests.
 */
final class Golden {

    /** A task-gradient matrix and losses. */
    record Case(String name, double[][] g, double[] losses) {
        int k() {
            return g.length;
        }
    }

    private static JsonObject root;
    private static JsonObject mgdaExact;
    private static Map<String, Case> cases;

    private Golden() {}

    static synchronized JsonObject root() {
        if (root == null) {
            root = read("/golden/gradient-based.json");
            mgdaExact = read("/golden/mgda-exact.json");
            cases = new LinkedHashMap<>();
            for (JsonObject r : List.of(root, mgdaExact)) {
                for (JsonElement e : r.getAsJsonArray("cases")) {
                    JsonObject c = e.getAsJsonObject();
                    cases.put(c.get("name").getAsString(), new Case(c.get("name").getAsString(),
                            matrix(c.getAsJsonArray("G")), vector(c.getAsJsonArray("losses"))));
                }
            }
        }
        return root;
    }

    private static JsonObject read(String resource) {
        try (InputStream in = Golden.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test classpath");
            }
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The cases of {@code graddrop.json} ({@code scripts/reference/weighting_graddrop_golden.py}). */
    static List<JsonObject> graddrop() {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : read("/golden/graddrop.json").getAsJsonArray("cases")) {
            out.add(e.getAsJsonObject());
        }
        return out;
    }

    /** The exact MGDA optima of {@code mgda-exact.json}, one record per case and normalisation. */
    static List<JsonObject> mgdaExact() {
        root();
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : mgdaExact.getAsJsonArray("mgda")) {
            out.add(e.getAsJsonObject());
        }
        return out;
    }

    static Case testCase(String name) {
        root();
        Case c = cases.get(name);
        if (c == null) {
            throw new IllegalArgumentException("no golden case " + name);
        }
        return c;
    }

    static List<JsonObject> records(String method) {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : root().getAsJsonArray(method)) {
            out.add(e.getAsJsonObject());
        }
        return out;
    }

    static double[] vector(JsonArray a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).getAsDouble();
        }
        return v;
    }

    static double[][] matrix(JsonArray a) {
        double[][] m = new double[a.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = vector(a.get(i).getAsJsonArray());
        }
        return m;
    }

    static int[][] intMatrix(JsonArray a) {
        int[][] m = new int[a.size()][];
        for (int i = 0; i < m.length; i++) {
            JsonArray r = a.get(i).getAsJsonArray();
            m[i] = new int[r.size()];
            for (int j = 0; j < m[i].length; j++) {
                m[i][j] = r.get(j).getAsInt();
            }
        }
        return m;
    }

    // ------------------------------------------------------------------ arrays and signals

    static NDArray array(double[][] g, NDManager m, DataType type) {
        int k = g.length;
        int p = g[0].length;
        double[] flat = new double[k * p];
        for (int i = 0; i < k; i++) {
            System.arraycopy(g[i], 0, flat, i * p, p);
        }
        NDArray a = m.create(flat, new Shape(k, p));
        return type == DataType.FLOAT64 ? a : a.toType(type, false);
    }

    static NDArray array(double[] v, NDManager m, DataType type) {
        NDArray a = m.create(v);
        return type == DataType.FLOAT64 ? a : a.toType(type, false);
    }

    /** A clock at {@code step}, in epoch 0. */
    static TrainingClock clock(long step) {
        return new TrainingClock(step, step + 1, step + 1);
    }

    /** Signals with shared-parameter gradients. */
    static TaskSignals shared(double[][] g, double[] losses, long step, NDManager m, DataType type) {
        return new TaskSignals(array(losses, m, type), array(g, m, type), null, null, clock(step), m);
    }

    /** Signals with representation gradients {@code z} ({@code [K, R]}) of a zero representation. */
    static TaskSignals representation(double[][] z, double[] losses, long step, NDManager m, DataType type) {
        return representation(z, new double[z[0].length], losses, step, m, type);
    }

    /**
     * Signals with representation gradients: {@code z} is {@code [K, R]}, the representation a
     * batch of one, {@code [1, R]}, of the given values.
     */
    static TaskSignals representation(double[][] z, double[] representation, double[] losses, long step, NDManager m,
            DataType type) {
        return new TaskSignals(array(losses, m, type), null, array(z, m, type),
                array(new double[][] {representation}, m, type), clock(step), m);
    }

    /** Signals with losses only. */
    static TaskSignals lossesOnly(double[] losses, long step, NDManager m, DataType type) {
        return TaskSignals.lossesOnly(array(losses, m, type), clock(step), m);
    }

    // ------------------------------------------------------------------ numbers

    static double[] values(NDArray a) {
        return TaskGradients.doubles(a);
    }

    static double norm(double[] a) {
        return SmallLinearAlgebra.norm(a);
    }

    static double[] sub(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    /** {@code |a - b| / max(|b|, floor)}. */
    static double relativeError(double[] a, double[] b, double floor) {
        return norm(sub(a, b)) / Math.max(norm(b), floor);
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** {@code sum_i w_i g_i}. */
    static double[] combine(double[] w, double[][] g) {
        double[] out = new double[g[0].length];
        for (int i = 0; i < g.length; i++) {
            for (int j = 0; j < out.length; j++) {
                out[j] += w[i] * g[i][j];
            }
        }
        return out;
    }

    /**
     * The groups of rows that are exactly the same vector, lowest index first; each row is in one
     * group (alone if it has no copy).
     */
    static List<int[]> identicalRows(double[][] v) {
        List<int[]> groups = new ArrayList<>();
        boolean[] seen = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            if (seen[i]) {
                continue;
            }
            List<Integer> g = new ArrayList<>();
            for (int j = i; j < v.length; j++) {
                if (!seen[j] && java.util.Arrays.equals(v[i], v[j])) {
                    seen[j] = true;
                    g.add(j);
                }
            }
            groups.add(g.stream().mapToInt(Integer::intValue).toArray());
        }
        return groups;
    }

    /** The weights summed over each group of {@link #identicalRows}: what is unique when rows repeat. */
    static double[] groupSums(double[] w, List<int[]> groups) {
        double[] out = new double[groups.size()];
        for (int g = 0; g < out.length; g++) {
            for (int i : groups.get(g)) {
                out[g] += w[i];
            }
        }
        return out;
    }

    static double[][] gram(double[][] g) {
        int k = g.length;
        double[][] out = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                out[i][j] = SmallLinearAlgebra.dot(g[i], g[j]);
            }
        }
        return out;
    }

    static boolean allFinite(double[] a) {
        for (double v : a) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
