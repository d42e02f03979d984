package dev.meta4j.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plugin jars are checked before their classes load, and every problem names the jar. */
class PluginJarTest {

    private static final String SERVICES = "META-INF/services/dev.meta4j.api.algorithm.AlgorithmFactory";

    @TempDir Path tmp;

    private Path jar(String name, Map<String, String> entries) throws Exception {
        Path p = tmp.resolve("plugins").resolve(name);
        Files.createDirectories(p.getParent());
        try (OutputStream out = Files.newOutputStream(p); JarOutputStream j = new JarOutputStream(out)) {
            for (var e : entries.entrySet()) {
                j.putNextEntry(new ZipEntry(e.getKey()));
                j.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                j.closeEntry();
            }
        }
        return p;
    }

    private String error(List<Path> required) {
        return assertThrows(PluginError.class, () -> PluginRegistry.discover(required, List.of(tmp.resolve("plugins"))))
                .getMessage();
    }

    @Test
    void aMissingExplicitFolderIsAnErrorAndADefaultOneIsNot() {
        PluginRegistry.discover(List.of(), List.of(tmp.resolve("absent")));
        String e = assertThrows(PluginError.class, () -> PluginRegistry.discover(List.of(tmp.resolve("absent")), List.of()))
                .getMessage();
        assertTrue(e.contains(tmp.resolve("absent") + " does not exist"), e);
    }

    @Test
    void notAJarAndAFolderNamedJar() throws Exception {
        Files.createDirectories(tmp.resolve("plugins"));
        Files.writeString(tmp.resolve("plugins/bad.jar"), "garbage");
        String e = error(List.of());
        assertTrue(e.contains("bad.jar") && e.contains("not a readable jar"), e);
        Files.delete(tmp.resolve("plugins/bad.jar"));
        Files.createDirectories(tmp.resolve("plugins/dir.jar"));
        String d = error(List.of());
        assertTrue(d.contains("dir.jar") && d.contains("is a folder"), d);
    }

    @Test
    void aBrokenReferenceConfNamesTheJarAndLine() throws Exception {
        jar("ref.jar", Map.of("reference.conf", "meta4j.algorithm.x {\n  a = [1,\n"));
        String e = error(List.of());
        assertTrue(e.contains("ref.jar!/reference.conf") && e.contains("broken reference.conf"), e);
    }

    @Test
    void aServicesEntryWithoutItsClassNamesJarFileAndClass() throws Exception {
        jar("nocls.jar", Map.of(SERVICES, "# a comment\ncom.example.Gone$Factory\n"));
        String e = error(List.of());
        assertTrue(e.contains("nocls.jar") && e.contains(SERVICES) && e.contains("com.example.Gone$Factory"), e);
    }

    @Test
    void oneClassInTwoJarsNamesBoth() throws Exception {
        jar("p-1.0.jar", Map.of(SERVICES, "com.example.P$Factory\n"));
        jar("p-1.1.jar", Map.of(SERVICES, "com.example.P$Factory\n"));
        String e = error(List.of());
        assertTrue(e.contains("p-1.0.jar") && e.contains("p-1.1.jar") && e.contains("com.example.P$Factory"), e);
    }

    @Test
    void oneFolderNamedTwiceIsReadOnce() throws Exception {
        jar("p.jar", Map.of(SERVICES, "com.example.P$Factory\n"));
        Path plugins = tmp.resolve("plugins");
        Path sameFolder = tmp.resolve("plugins/../plugins");
        assertEquals(1, PluginJar.inFolders(List.of(plugins, sameFolder)).size());
    }

    @Test
    void aCopyOfABuiltInPluginIsRefused() throws Exception {
        jar("adam.jar", Map.of("META-INF/services/dev.meta4j.api.optim.OptimizerFactory", "dev.meta4j.runtime.optim.Adam$Factory\n"));
        String e = error(List.of());
        assertTrue(e.contains("adam.jar") && e.contains("already has"), e);
    }
}
