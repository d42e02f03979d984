package dev.meta4j.weighting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.Constraint;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The reference.conf sections of the gradient-based methods: documented, constrained, found. */
class GradientDefaultsTest {

    private static final PluginRegistry REGISTRY = PluginRegistry.discover(List.of());
    private static final ConfigLoader LOADER = new ConfigLoader(REGISTRY);

    @ParameterizedTest
    @ValueSource(strings = {"mgda", "pcgrad", "cagrad", "imtl", "nashmtl"})
    void everyKeyIsDocumentedAndConstrained(String name) {
        assertTrue(REGISTRY.all(PluginKind.WEIGHTING).containsKey(name), name + " is registered");
        Config section = LOADER.reference().getConfig(PluginKind.WEIGHTING.defaultsPath(name));
        assertFalse(section.isEmpty(), name + " has defaults");
        for (Map.Entry<String, ConfigValue> e : section.entrySet()) {
            ConfigValue v = e.getValue();
            assertFalse(v.origin().comments().isEmpty(), name + "." + e.getKey() + " has a comment");
            assertTrue(Constraint.of(v).isPresent(), name + "." + e.getKey() + " has @range or @oneof");
            assertTrue(Constraint.of(v).get().violation(v).isEmpty(), name + "." + e.getKey() + " default is valid");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "mgda    | variant = params, normalization = none, weights = sum-tasks, solver = exact, max-iter = 250, tolerance = 1e-5",
        "pcgrad  | reduction = sum, max-norm = 0",
        "cagrad  | c = 0.4, rescale = 1",
        "imtl    | head-weights = alpha",
        "nashmtl | update-weights-every = 1, optim-niter = 20, max-norm = 1.0"})
    void defaultsAreThePapersAndOfficialCodes(String name, String expected) {
        Config section = LOADER.reference().getConfig(PluginKind.WEIGHTING.defaultsPath(name));
        Config want = ConfigFactory.parseString(expected);
        assertEquals(want.root().keySet(), section.root().keySet());
        for (String key : want.root().keySet()) {
            assertEquals(String.valueOf(want.getValue(key).unwrapped()), String.valueOf(section.getValue(key).unwrapped()), key);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "type = mgda, normalization = norm       | weighting.normalization",
        "type = mgda, variant = rep              | weighting.variant",
        "type = mgda, max-iter = 0               | weighting.max-iter",
        "type = mgda, solver = fw                | weighting.solver",
        "type = pcgrad, max-norm = -1            | weighting.max-norm",
        "type = pcgrad, reduction = max          | weighting.reduction",
        "type = cagrad, c = -0.1                 | weighting.c",
        "type = cagrad, rescale = 3              | weighting.rescale",
        "type = imtl, head-weights = two         | weighting.head-weights",
        "type = nashmtl, update-weights-every = 0 | weighting.update-weights-every",
        "type = nashmtl, max-norm = -1           | weighting.max-norm",
        "type = graddrop, leak = 1.5             | weighting.leak",
        "type = graddrop, eps = 0                | weighting.eps",
        "type = graddrop, sum-batch = maybe      | weighting.sum-batch"})
    void invalidSettingsAreRejected(String settings, String key) {
        Config file = ConfigFactory.parseString("weighting { " + settings + " }");
        ConfigError e = assertThrows(ConfigError.class, () -> LOADER.load(file, ConfigFactory.empty(), Set.of()));
        assertTrue(e.problems().stream().anyMatch(p -> p.key().equals(key)), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "type = mgda, normalization = \"loss+\", variant = ub, weights = sum-one",
        "type = mgda, solver = projected-gradient, max-iter = 1000",
        "type = mgda, solver = frank-wolfe, tolerance = 1e-8",
        "type = pcgrad, max-norm = 1, reduction = mean",
        "type = cagrad, c = 0, rescale = 2",
        "type = nashmtl, update-weights-every = 5, max-norm = 0",
        "type = graddrop, leak = 0.5, input-sign = false, sum-batch = false, keep-norm = true, eps = 1e-8"})
    void validSettingsLoad(String settings) {
        Config file = ConfigFactory.parseString("weighting { " + settings + " }");
        LOADER.load(file, ConfigFactory.empty(), Set.of());
    }
}
