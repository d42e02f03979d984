package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.Declaration;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every setting of every plugin (and of the experiment) is documented in its reference.conf, and
 * every default satisfies its own declaration ({@code @int}, {@code @range}, {@code @oneof}): `meta4j describe` never shows an
 * undocumented key, and validation never rejects a default.
 */
class ReferenceDefaultsTest {

    @Test
    void everyDefaultIsDocumentedAndValid() {
        PluginRegistry registry = PluginRegistry.discover(List.of());
        Config reference = new ConfigLoader(registry).reference();
        List<String> problems = new ArrayList<>();
        check("meta4j.experiment", reference.getConfig("meta4j.experiment").root(), problems);
        check("meta4j.suite", reference.getConfig("meta4j.suite").root(), problems);
        int plugins = 0;
        for (PluginKind kind : PluginKind.values()) {
            for (String name : registry.all(kind).keySet()) {
                plugins++;
                String path = kind.defaultsPath(name);
                if (!reference.hasPath(path)) {
                    problems.add(path + ": no defaults section (write `" + name + " {}` if it takes no settings)");
                    continue;
                }
                check(path, reference.getConfig(path).root(), problems);
            }
        }
        assertTrue(plugins >= 20, "plugins found: " + plugins);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private static void check(String path, ConfigObject obj, List<String> problems) {
        for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
            String key = path + "." + e.getKey();
            ConfigValue v = e.getValue();
            if (v.origin().comments().stream().allMatch(String::isBlank)) {
                problems.add(key + " (" + v.origin().description() + "): no comment documents it");
            }
            try {
                Declaration.of(v).problem(v).ifPresent(m -> problems.add(key + ": default " + m));
            } catch (RuntimeException ex) {
                problems.add(key + ": malformed constraint: " + ex.getMessage());
            }
            if (v.valueType() == ConfigValueType.OBJECT && !((ConfigObject) v).isEmpty()) {
                check(key, (ConfigObject) v, problems);
            }
        }
        assertFalse(path.isEmpty());
    }
}
