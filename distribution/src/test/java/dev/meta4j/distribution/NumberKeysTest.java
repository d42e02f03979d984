package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.Declaration;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every number key of every plugin and of the experiment, found in the reference config: a
 * fractional value inside the key's range is accepted, and kept as written, exactly where the key
 * is not declared {@code @int}; where it is, the value is refused with "expected a whole number"
 * naming the key. Whether a default is written {@code 0} or {@code 0.0} plays no part.
 */
class NumberKeysTest {

    private static final String BASE = """
            experiment { name = t, steps = 10 }
            algorithm { type = maml }
            dataset { type = sine }
            model { type = mlp }
            """;

    private final PluginRegistry registry = PluginRegistry.discover(List.of());
    private final ConfigLoader loader = new ConfigLoader(registry);

    @Test
    void aFractionIsAcceptedExactlyWhereTheKeyIsNotWhole() {
        Map<String, Config> sections = new TreeMap<>();
        sections.put("experiment", loader.reference().getConfig("meta4j.experiment"));
        Map<String, String> types = new TreeMap<>();
        for (PluginKind kind : PluginKind.values()) {
            for (String name : registry.all(kind).keySet()) {
                String path = kind.defaultsPath(name);
                if (loader.reference().hasPath(path)) {
                    sections.put(kind.section() + ":" + name, loader.reference().getConfig(path));
                    types.put(kind.section() + ":" + name, name);
                }
            }
        }
        List<String> problems = new ArrayList<>();
        int whole = 0;
        int fractional = 0;
        for (var s : sections.entrySet()) {
            String section = s.getKey().split(":")[0];
            for (var e : s.getValue().root().entrySet()) {
                Declaration d = Declaration.of(e.getValue());
                if (!d.number()) {
                    continue;
                }
                String key = section + "." + e.getKey();
                Optional<Double> fraction = fractionInRange(d);
                if (fraction.isEmpty()) {
                    // Only a whole key may have no fraction in range (such as @oneof 0, 1, 2).
                    if (!d.whole()) {
                        problems.add(key + ": no fraction satisfies its constraint, yet it is not @int");
                    }
                    continue;
                }
                ConfigValue value = d.list()
                        ? ConfigValueFactory.fromIterable(List.of(fraction.get())) : ConfigValueFactory.fromAnyRef(fraction.get());
                Config override = ConfigFactory.empty().withValue(key, value);
                if (types.containsKey(s.getKey())) {
                    override = override.withValue(section + ".type", ConfigValueFactory.fromAnyRef(types.get(s.getKey())));
                }
                String outcome = outcome(override, section, e.getKey(), d, fraction.get());
                if (outcome != null) {
                    problems.add(key + " = " + fraction.get() + " (" + s.getKey() + "): " + outcome);
                }
                if (d.whole()) {
                    whole++;
                } else {
                    fractional++;
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        // Not vacuous: both kinds of key exist in numbers, and known ones fall on the right side.
        assertTrue(whole >= 25 && fractional >= 25, "whole keys " + whole + ", fractional keys " + fractional);
        System.out.printf("number keys: %d whole, %d fractional%n", whole, fractional);
    }

    /** Null if the loader treats the value as it should, else what went wrong. */
    private String outcome(Config override, String section, String key, Declaration d, double fraction) {
        try {
            ExperimentConfig cfg = loader.load(ConfigFactory.parseString(BASE), override, Set.of());
            if (d.whole()) {
                return "accepted, but the key is @int";
            }
            Config settings = section.equals("experiment") ? cfg.experiment()
                    : cfg.plugin(PluginKind.forSection(section)).orElseThrow().settings();
            double kept = d.list() ? settings.getDoubleList(key).get(0) : settings.getDouble(key);
            return kept == fraction ? null : "accepted but read back as " + kept;
        } catch (ConfigError e) {
            String full = section + "." + key;
            boolean clear = e.problems().size() == 1 && e.problems().get(0).key().equals(full)
                    && e.problems().get(0).message().contains("expected a whole number");
            if (d.whole()) {
                return clear ? null : "refused without a clear message: " + e.getMessage();
            }
            return "refused: " + e.getMessage();
        }
    }

    /** A value with a fractional part that satisfies the key's constraint, if there is one. */
    private static Optional<Double> fractionInRange(Declaration d) {
        for (double v : new double[] {0.5, 1.5, 2.5, -0.5, 0.25, 1e-3 + 0.5, 10.5, 100.5, 1024.5}) {
            if (d.constraint().flatMap(c -> c.violation(ConfigValueFactory.fromAnyRef(v))).isEmpty()) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    @Test
    void knownKeysFallOnTheRightSide() {
        Config ref = loader.reference();
        for (String path : List.of("meta4j.optimizer.sgd.momentum", "meta4j.optimizer.sgd.weight-decay",
                "meta4j.algorithm.multitask.max-grad-norm", "meta4j.weighting.uw.init-log-variance",
                "meta4j.dataset.sine.amplitude-max", "meta4j.weighting.dwa.temperature")) {
            assertTrue(!Declaration.of(ref.getValue(path)).whole() && Declaration.of(ref.getValue(path)).number(), path);
        }
        for (String path : List.of("meta4j.algorithm.maml.inner-steps", "meta4j.experiment.steps", "meta4j.experiment.seed",
                "meta4j.model.mlp.hidden", "meta4j.dataset.sine.shots", "meta4j.scheduler.step.step-size")) {
            assertTrue(Declaration.of(ref.getValue(path)).whole(), path);
        }
    }

    @Test
    void validateAcceptsFractionsWhoseDefaultsAreWrittenWhole(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("c.conf");
        Files.writeString(f, BASE);
        Cli sgd = Cli.run("validate", "--config", f.toString(), "optimizer.type=sgd", "optimizer.momentum=0.9",
                "optimizer.weight-decay=1e-4", "dataset.amplitude-max=2.5");
        assertEquals(0, sgd.exitCode(), sgd.toString());
        Cli steps = Cli.run("validate", "--config", f.toString(), "algorithm.inner-steps=2.5");
        assertEquals(2, steps.exitCode(), steps.toString());
        assertTrue(steps.err().contains("algorithm.inner-steps: expected a whole number, got 2.5"), steps.err());
    }
}
