package dev.meta4j.runtime.experiment;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.meta4j.api.algorithm.Metrics;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code metrics.jsonl}: one JSON object per logged step or evaluation, {@code {"step": 100,
 * "split": "train", "lr": 0.001, "loss": 0.53, ...}}. Holds no wall-clock values, so that two
 * runs with one config and seed write identical files.
 */
final class MetricsLog implements Closeable {

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private static final Logger LOG = LoggerFactory.getLogger(MetricsLog.class);

    private final FileChannel channel;
    private final Writer out;
    private final List<JsonObject> lines = new ArrayList<>();

    private MetricsLog(FileChannel channel, List<JsonObject> existing) {
        this.channel = channel;
        this.out = new BufferedWriter(Channels.newWriter(channel, StandardCharsets.UTF_8));
        this.lines.addAll(existing);
    }

    /**
     * Starts a new, empty log (replacing one a run that never checkpointed left behind).
     *
     * @param file the file
     * @return the log
     * @throws IOException if the file cannot be opened
     */
    static MetricsLog create(Path file) throws IOException {
        return new MetricsLog(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), List.of());
    }

    /**
     * Opens a log to continue it from a checkpoint: keeps the lines the checkpoint had seen and
     * drops the rest (written after it, before a crash), so that nothing is repeated. A torn last
     * line (the process died while writing it) is dropped as well; either is logged.
     *
     * @param file the file
     * @param keepLines how many lines the checkpoint had seen, or -1 for a checkpoint of the first
     *     format, which counted steps only: then lines up to {@code step} are kept, test lines not
     * @param step the checkpoint's step
     * @return the log
     * @throws IOException if the file cannot be read, or holds fewer lines than the checkpoint saw
     */
    static MetricsLog resume(Path file, long keepLines, long step) throws IOException {
        List<String> text = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        List<JsonObject> kept = new ArrayList<>();
        int dropped = 0;
        for (int i = 0; i < text.size(); i++) {
            String line = text.get(i);
            if (line.isBlank()) {
                continue;
            }
            JsonObject o;
            try {
                o = JsonParser.parseString(line).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                if (i == text.size() - 1) {
                    LOG.warn("{}: dropped a torn last line (the process ended while writing it): {}", file,
                            line.length() > 60 ? line.substring(0, 60) + "..." : line);
                    continue;
                }
                throw new IOException(file + " line " + (i + 1) + " is not valid JSON: " + e.getMessage(), e);
            }
            boolean afterCheckpoint = keepLines >= 0 ? kept.size() == keepLines
                    : o.get("step").getAsLong() > step || o.get("split").getAsString().startsWith("test");
            if (afterCheckpoint) {
                dropped++;
                continue;
            }
            kept.add(o);
        }
        if (keepLines >= 0 && kept.size() < keepLines) {
            throw new IOException(file + " holds " + kept.size() + " lines, the checkpoint at step " + step
                    + " was written after " + keepLines + ": the run cannot be continued exactly");
        }
        if (dropped > 0) {
            LOG.info("{}: dropped {} line(s) written after the checkpoint at step {}", file, dropped, step);
        }
        StringBuilder sb = new StringBuilder();
        for (JsonObject o : kept) {
            sb.append(GSON.toJson(o)).append('\n');
        }
        RunFolder.writeAtomically(file, sb.toString());
        return new MetricsLog(FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND), kept);
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

    /**
     * Forces the lines so far to disk, so that a checkpoint never counts lines a power loss
     * could take back.
     *
     * @throws IOException if that fails
     */
    void sync() throws IOException {
        out.flush();
        channel.force(false);
    }

    /** @return every line so far, for plots */
    List<JsonObject> lines() {
        return lines;
    }

    @Override
    public void close() throws IOException {
        out.close();
        channel.close();
    }
}
