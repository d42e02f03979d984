package dev.meta4j.runtime.suite;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.experiment.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A suite's folder, which holds everything needed to resume it, report its state or build its
 * table, without the config file it came from and without the process that started it:
 *
 * <pre>
 * &lt;output-dir&gt;/&lt;suite&gt;/
 *   suite.json                     the plan: name, baselines, every cell (label, seed, folder), executor settings
 *   cells/&lt;label&gt;/seed-&lt;s&gt;.conf     each cell's resolved config, written before anything runs
 *   &lt;label&gt;/seed-&lt;s&gt;/               each cell's run folder (config.conf, metrics.jsonl, checkpoints/, ...)
 *   results.md, results.csv, runs.csv, results.png, cost.md, cost.csv
 *   slurm/                         the job scripts, the submissions and the jobs' output (slurm executor)
 * </pre>
 *
 * Every cell has a folder of its own ({@link SuitePlan} rejects labels that would share one), and
 * every file here is written atomically.
 */
public final class SuiteFolder {

    /** The plan's file in a suite's folder. */
    public static final String MANIFEST = "suite.json";

    private static final Logger LOG = LoggerFactory.getLogger(SuiteFolder.class);
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create();
    private static final String FORMAT = "meta4j-suite/1";

    private final Path dir;
    private final SuitePlan plan;
    private final ExecutorSettings settings;

    private SuiteFolder(Path dir, SuitePlan plan, ExecutorSettings settings) {
        this.dir = dir;
        this.plan = plan;
        this.settings = settings;
    }

    /**
     * Writes a suite's plan and its cells' resolved configs into its folder (creating it).
     *
     * @param dir the folder
     * @param plan the plan
     * @param configs each run's config, in plan order
     * @param settings where the runs execute
     * @return the folder
     * @throws IOException if it cannot be written
     */
    public static SuiteFolder write(Path dir, SuitePlan plan, List<ExperimentConfig> configs, ExecutorSettings settings)
            throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Set<String> folders = new HashSet<>();
        for (SuitePlan.Run run : plan.runs()) {
            if (!folders.add(run.folder())) {
                throw new IllegalStateException("two cells of suite " + plan.name() + " share the folder " + run.folder());
            }
        }
        Files.createDirectories(abs);
        SuiteFolder suite = new SuiteFolder(abs, plan, settings);
        for (int i = 0; i < plan.runs().size(); i++) {
            Path conf = suite.cellConfig(i);
            Files.createDirectories(conf.getParent());
            String text = configs.get(i).render();
            if (!Files.isRegularFile(conf) || !Files.readString(conf).equals(text)) {
                RunFolder.writeAtomically(conf, text);
            }
        }
        RunFolder.writeAtomically(abs.resolve(MANIFEST), GSON.toJson(suite.manifest()) + "\n");
        return suite;
    }

    private JsonObject manifest() {
        JsonObject m = new JsonObject();
        m.addProperty("format", FORMAT);
        m.addProperty("name", plan.name());
        JsonArray single = new JsonArray();
        plan.singleTask().forEach(single::add);
        m.add("single_task", single);
        JsonArray cells = new JsonArray();
        for (SuitePlan.Run run : plan.runs()) {
            JsonObject c = new JsonObject();
            c.addProperty("folder", run.folder());
            c.addProperty("label", run.label());
            c.addProperty("seed", run.seed());
            c.addProperty("baseline_task", run.baselineTask());
            c.addProperty("config", "cells/" + run.folder() + ".conf");
            cells.add(c);
        }
        m.add("cells", cells);
        m.addProperty("executor", settings.render());
        return m;
    }

    /**
     * Opens a suite's folder from its plan alone.
     *
     * @param dir the folder
     * @param reference every default, for the executor settings
     * @return the folder
     * @throws IllegalArgumentException if it is not a suite's folder
     * @throws IOException if it cannot be read
     */
    public static SuiteFolder open(Path dir, Config reference) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Path file = abs.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(dir + " is not a suite folder: it has no " + MANIFEST
                    + " (`meta4j suite --config FILE` writes one before any run starts)");
        }
        JsonObject m;
        try {
            m = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " is damaged (" + e.getMessage() + "); running the suite's"
                    + " config again writes it anew", e);
        }
        if (!m.has("format") || !FORMAT.equals(m.get("format").getAsString())) {
            throw new IllegalArgumentException(file + ": expected format " + FORMAT + ", got "
                    + (m.has("format") ? m.get("format").getAsString() : "none"));
        }
        List<String> single = new ArrayList<>();
        m.getAsJsonArray("single_task").forEach(e -> single.add(e.getAsString()));
        List<SuitePlan.Run> runs = new ArrayList<>();
        for (JsonElement e : m.getAsJsonArray("cells")) {
            JsonObject c = e.getAsJsonObject();
            String task = c.get("baseline_task").isJsonNull() ? null : c.get("baseline_task").getAsString();
            SuitePlan.Run run = new SuitePlan.Run(c.get("label").getAsString(), c.get("seed").getAsLong(),
                    ConfigFactory.empty(), task);
            if (!run.folder().equals(c.get("folder").getAsString())) {
                throw new IllegalArgumentException(file + ": cell " + c.get("folder").getAsString()
                        + " does not match its label and seed");
            }
            runs.add(run);
        }
        SuitePlan plan = new SuitePlan(m.get("name").getAsString(), List.copyOf(runs), List.copyOf(single));
        return new SuiteFolder(abs, plan, ExecutorSettings.parse(m.get("executor").getAsString(), reference));
    }

    /** @return the folder, absolute */
    public Path dir() {
        return dir;
    }

    /** @return the plan (read from the folder: without the runs' overrides) */
    public SuitePlan plan() {
        return plan;
    }

    /** @return where the runs execute, as the suite was last started */
    public ExecutorSettings settings() {
        return settings;
    }

    /**
     * @param cell the cell's index in plan order
     * @return its run folder
     */
    public Path cellDir(int cell) {
        return dir.resolve(plan.runs().get(cell).folder());
    }

    /**
     * @param cell the cell's index in plan order
     * @return its resolved config file
     */
    public Path cellConfig(int cell) {
        return dir.resolve("cells").resolve(plan.runs().get(cell).folder() + ".conf");
    }

    /**
     * @param cell the cell's index
     * @return its state, from its folder
     * @throws IOException if the folder cannot be read
     */
    public CellState state(int cell) throws IOException {
        return CellState.read(cellDir(cell), plan.runs().get(cell).folder(), Files.readString(cellConfig(cell)));
    }

    /**
     * The cells left to run, after moving aside the folders that hold another config: not those
     * that finished and not those another process is running.
     *
     * @return their indices, in plan order
     * @throws IOException if a folder cannot be read or moved
     */
    public List<Integer> prepare() throws IOException {
        List<Integer> pending = new ArrayList<>();
        int finished = 0;
        for (int i = 0; i < plan.runs().size(); i++) {
            CellState s = state(i);
            if (s.kind() == CellState.Kind.STALE) {
                Path stale = CellRun.moveAside(cellDir(i));
                LOG.warn("{}: its config changed since it ran; keeping the old outputs in {}", cellDir(i), stale);
                s = state(i);
            }
            if (s.kind() == CellState.Kind.FINISHED) {
                finished++;
            } else if (s.kind() == CellState.Kind.RUNNING) {
                LOG.warn("{}: another process is running it; left to that process", plan.runs().get(i).folder());
            } else {
                pending.add(i);
            }
        }
        if (finished > 0) {
            LOG.info("{} of {} runs finished before and are skipped", finished, plan.runs().size());
        }
        return pending;
    }

    /**
     * Every cell's outcome, read from the folders.
     *
     * @return the outcomes, in plan order
     * @throws IOException if a folder cannot be read
     */
    public List<RunOutcome> outcomes() throws IOException {
        List<RunOutcome> out = new ArrayList<>();
        for (int i = 0; i < plan.runs().size(); i++) {
            out.add(state(i).outcome(plan.runs().get(i)));
        }
        return out;
    }

    /**
     * Takes the suite for this process, so that a second {@code meta4j suite} on the same folder
     * stops at once instead of running its cells beside this one. The operating system drops it
     * when the process ends.
     *
     * @param dir the suite's folder (it must exist)
     * @return the lock
     * @throws IllegalStateException if another process holds it
     * @throws IOException if the lock file cannot be written
     */
    public static RunFolder.Lock lock(Path dir) throws IOException {
        try {
            return new RunFolder(dir).lock();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("suite folder " + dir + " is in use by another `meta4j suite` process;"
                    + " wait for it to end (or stop it), then run the suite again");
        }
    }
}
