package dev.meta4j.datasets.mtl;

import com.typesafe.config.Config;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.SingleTaskBaselines;
import dev.meta4j.api.data.Task;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The published single-task baselines the datasets ship, {@code stl/<name>.tsv} next to this
 * class: header lines {@code # ...}, among them {@code # source: ...} and its indented
 * continuation lines, then one {@code task/metric<TAB>value} per line.
 */
final class BaselineFile {

    private BaselineFile() {}

    /**
     * Reads a shipped file.
     *
     * @param name the file's name without {@code .tsv}
     * @return the baselines
     * @throws IllegalStateException if the file is missing or malformed (a build error)
     */
    static SingleTaskBaselines read(String name) {
        String resource = "stl/" + name + ".tsv";
        try (InputStream in = BaselineFile.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the baselines " + resource + " are missing from the plugin jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            StringBuilder source = new StringBuilder();
            boolean inSource = false;
            Map<String, Double> values = new LinkedHashMap<>();
            int lineNumber = 0;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lineNumber++;
                if (line.startsWith("#")) {
                    String text = line.substring(1);
                    if (text.strip().startsWith("source:")) {
                        inSource = true;
                        source.append(text.strip().substring("source:".length()).strip());
                    } else if (inSource && text.startsWith("   ")) {
                        source.append(' ').append(text.strip());
                    } else {
                        inSource = false;
                    }
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t");
                if (f.length != 2) {
                    throw new IllegalStateException(resource + " line " + lineNumber + ": expected key<TAB>value, got '"
                            + line + "'");
                }
                values.put(f[0], Double.parseDouble(f[1]));
            }
            if (source.isEmpty()) {
                throw new IllegalStateException(resource + " names no source (a '# source:' line)");
            }
            return new SingleTaskBaselines(source.toString(), values);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource + " failed", e);
        }
    }

    /**
     * The baselines a dataset offers under its {@code stl-baselines} setting: the shipped file's
     * values for the dataset's tasks, or none when set to {@code none} (data in the layout that
     * are not the benchmark, such as rendered scenes).
     *
     * @param c the dataset's settings
     * @param name the shipped file, or null when this configuration has none
     * @param spec the dataset's tasks
     * @return the baselines, or empty
     */
    static Optional<SingleTaskBaselines> forDataset(Config c, String name, DataSpec spec) {
        if (name == null || c.getString("stl-baselines").equals("none")) {
            return Optional.empty();
        }
        return Optional.ofNullable(read(name).restrictedTo(spec.tasks().stream().map(Task::name).toList()));
    }
}
