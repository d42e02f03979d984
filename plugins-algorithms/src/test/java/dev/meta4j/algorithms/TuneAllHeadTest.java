package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meta4j.api.Rng;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code mtl}'s {@code tune-all} test head against PyTorch running the official code's procedure
 * ({@code scripts/reference/mtl_tune_all_golden.py} writes the file): a ReLU MLP encoder and an
 * episode set by formula, query logits after 0, 1 and 10 Adam steps at two learning rates, float64.
 */
class TuneAllHeadTest {

    private static PluginTestKit kit;
    private static JsonObject golden;

    @BeforeAll
    static void open() throws IOException {
        kit = PluginTestKit.open(DataType.FLOAT64, 0);
        try (InputStream in = TuneAllHeadTest.class.getResourceAsStream("/golden/mtl-tune-all.json")) {
            golden = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    static List<JsonObject> cases() throws IOException {
        if (golden == null) {
            open();
        }
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : golden.getAsJsonArray("cases")) {
            out.add(e.getAsJsonObject());
        }
        return out;
    }

    /** The script's formula: scale sin(2.3 (i + 1) + phase). */
    private static NDArray formula(NDManager m, int phase, double scale, long... shape) {
        double[] v = new double[Math.toIntExact(new Shape(shape).size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * Math.sin(2.3 * (i + 1) + phase);
        }
        try (NDArray raw = m.create(v, new Shape(shape))) {
            return raw.duplicate();
        }
    }

    /** meta4j's mlp with hidden = [5] under the script's weights: encoder layer then head layer. */
    private static Params encoder(NDManager m) {
        int in = golden.get("inputs").getAsInt();
        int hidden = golden.get("hidden").getAsInt();
        int embed = golden.get("embedding").getAsInt();
        return Params.builder()
                .add("layer0.weight", formula(m, 0, 0.8, in, hidden))
                .add("layer0.bias", formula(m, 1, 0.1, hidden))
                .addHead(0, "layer1.weight", formula(m, 2, 0.8, hidden, embed))
                .addHead(0, "layer1.bias", formula(m, 3, 0.1, embed))
                .build();
    }

    private static NDArray labels(NDManager m, int ways, int each) {
        long[] y = new long[ways * each];
        for (int i = 0; i < y.length; i++) {
            y[i] = i / each;
        }
        return m.create(y);
    }

    private static double[] run(JsonObject c, NDManager m, TuneAllHead head, Params encoder) {
        int in = golden.get("inputs").getAsInt();
        int ways = golden.get("ways").getAsInt();
        int shots = golden.get("shots").getAsInt();
        int queries = golden.get("queries").getAsInt();
        NDArray xs = formula(m, 10, 1.5, (long) ways * shots, in);
        NDArray xq = formula(m, 20, 1.5, (long) ways * queries, in);
        return head.queryLogits(encoder, xs, labels(m, ways, shots), xq, ways, m).toDoubleArray();
    }

    private static TuneAllHead head(JsonObject c, NDManager m) {
        Backbone mlp = kit.create(PluginKind.MODEL, "mlp", "hidden = [5], activation = relu", Backbone.class);
        Optimizer adam = kit.create(PluginKind.OPTIMIZER, "adam", "lr = " + c.get("lr").getAsDouble(), Optimizer.class);
        return new TuneAllHead(mlp, kit.autograd(), adam, c.get("steps").getAsInt(), new Rng(0), m);
    }

    private static double[] flat(JsonArray rows) {
        List<Double> v = new ArrayList<>();
        for (JsonElement r : rows) {
            for (JsonElement x : r.getAsJsonArray()) {
                v.add(x.getAsDouble());
            }
        }
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @ParameterizedTest(name = "lr {0}")
    @MethodSource("cases")
    void queryLogitsMatchTheOfficialProcedureInPyTorch(JsonObject c) {
        try (NDManager m = kit.manager().newSubManager()) {
            double[] ours = run(c, m, head(c, m), encoder(m));
            double[] theirs = flat(c.getAsJsonArray("query_logits"));
            assertArrayEquals(theirs, ours, 1e-12, "lr " + c.get("lr") + ", " + c.get("steps") + " steps");
        }
    }

    @Test
    void everyEpisodeStartsFromTheSameEncoderAndAFreshOptimizer() throws IOException {
        JsonObject c = cases().get(cases().size() - 1);
        assertEquals(10, c.get("steps").getAsInt());
        try (NDManager m = kit.manager().newSubManager()) {
            TuneAllHead head = head(c, m);
            Params encoder = encoder(m);
            double[] before = encoder.get("layer0.weight").toDoubleArray();
            double[] first = run(c, m, head, encoder);
            double[] second = run(c, m, head, encoder);
            assertArrayEquals(before, encoder.get("layer0.weight").toDoubleArray(), 0.0, "the encoder is not tuned in place");
            assertArrayEquals(first, second, 0.0, "a second episode starts from a never-stepped optimizer");
            assertTrue(Math.abs(first[0] - flat(cases().get(cases().size() - 3).getAsJsonArray("query_logits"))[0]) > 1e-3,
                    "10 steps at lr 0.05 move the logits (else this test shows nothing)");
        }
    }
}
