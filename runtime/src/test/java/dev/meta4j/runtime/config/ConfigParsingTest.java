package dev.meta4j.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading config files and overrides: includes, syntax errors, plain-string overrides. */
class ConfigParsingTest {

    @TempDir Path tmp;
    private final ConfigLoader loader = new ConfigLoader(PluginRegistry.discover(List.of()));

    private Path write(String name, String text) throws Exception {
        Path f = tmp.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        return f;
    }

    private String error(String file) {
        return assertThrows(ConfigError.class, () -> loader.parse(file)).getMessage();
    }

    @Test
    void includesResolveNextToTheIncludingFile() throws Exception {
        write("sub/base.conf", "a = 1\n");
        write("sub/mid.conf", "include \"base.conf\"\nb = 2\n");
        Config c = loader.parse(write("top.conf", "include \"sub/mid.conf\"\nc = 3\n").toString());
        assertEquals(List.of(1, 2, 3), List.of(c.getInt("a"), c.getInt("b"), c.getInt("c")));
    }

    @Test
    void aMissingIncludeIsAnErrorNamingFileAndLine() throws Exception {
        for (String form : List.of("include \"gone.conf\"", "include required(\"gone.conf\")", "include file(\"gone.conf\")")) {
            Path f = write("top.conf", "a = 1\n" + form + "\n");
            String e = error(f.toString());
            assertTrue(e.contains(f + ":2") && e.contains(tmp.resolve("gone.conf").toString()) && e.contains("no such file"), e);
            assertTrue(!e.contains("classpath"), e);
        }
    }

    @Test
    void anIncludeCycleIsReportedOnceAsItsChain() throws Exception {
        write("b.conf", "include \"a.conf\"\n");
        Path a = write("a.conf", "include \"b.conf\"\n");
        String e = error(a.toString());
        assertTrue(e.contains("include cycle: " + a + " -> " + tmp.resolve("b.conf") + " -> " + a), e);
        assertTrue(!e.contains("ParseableFile"), e);
    }

    @Test
    void anUnclosedBracketIsNamedWithItsLine() throws Exception {
        String e = error(write("x.conf", "a {\n  b = [1, 2]\n  c = 3\n").toString());
        assertTrue(e.contains("the '{' opened at line 1") && e.contains("'}' is missing"), e);
        assertTrue(!e.contains("')'"), e);
        String list = error(write("y.conf", "a = [1,\n# ] not this one\n").toString());
        assertTrue(list.contains("the '[' opened at line 1") && list.contains("']' is missing"), list);
    }

    @Test
    void overridesThatAreNotHoconAreStrings() {
        Config c = ConfigLoader.overrides(List.of("experiment.device=cuda:0", "a.b=C:\\data", "n=3", "l=[1,2]"));
        assertEquals("cuda:0", c.getString("experiment.device"));
        assertEquals("C:\\data", c.getString("a.b"));
        assertEquals(3, c.getInt("n"));
        assertEquals(List.of(1, 2), c.getIntList("l"));
        assertThrows(ConfigError.class, () -> ConfigLoader.overrides(List.of("a..b=1")));
    }
}
