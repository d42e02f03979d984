package dev.meta4j.runtime.experiment;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meta4j.api.algorithm.Metrics;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code metrics.jsonl}: one JSON object per logged step or evaluation, {@code {"step": 100,
 * "split": "train", "lr": 0.001, "loss": 0.53, ...}}. Holds no wall-clock values, so that two
 * runs with one config and seed write identical files.
 */
final class MetricsLog implements Closeable {

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private final BufferedWriter out;
    private final List<JsonObject> lines = new ArrayList<>();

    private MetricsLog(BufferedWriter out, List<JsonObject> existing) {
        this.out = out;
        this.lines.addAll(existing);
    }

    /**
     * Opens a log; when resuming, drops lines after the checkpoint's step (written after the
     * checkpoint, before a crash) so they are not repeated.
     *
     * @param file the file
     * @param keepUpToStep the last step to keep, or -1 to start a new file
     * @return the log
     * @throws IOException if the file cannot be opened
     */
    static MetricsLog open(Path file, long keepUpToStep) throws IOException {
        List<JsonObject> kept = new ArrayList<>();
        if (keepUpToStep >= 0 && Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                if (o.get("step").getAsLong() <= keepUpToStep) {
                    kept.add(o);
                }
            }
            StringBuilder sb = new StringBuilder();
            for (JsonObject o : kept) {
                sb.append(GSON.toJson(o)).append('\n');
            }
            RunFolder.writeAtomically(file, sb.toString());
        }
        BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return new MetricsLog(w, kept);
    }

    /**
     * Appends a line and flushes it.
     *
     * @param step the number of completed steps
     * @param split {@code train}, {@code validation} or {@code test}
     * @param learningRate the rate, or NaN to leave it out
     * @param metrics the values
     * @throws IOException if writing fails
     */
    void write(long step, String split, double learningRate, Metrics metrics) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("step", step);
        o.addProperty("split", split);
        if (!Double.isNaN(learningRate)) {
            o.addProperty("lr", learningRate);
        }
        metrics.asMap().forEach(o::addProperty);
        lines.add(o);
        out.write(GSON.toJson(o));
        out.write('\n');
        out.flush();
    }

    /** @return every line so far, for plots */
    List<JsonObject> lines() {
        return lines;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
