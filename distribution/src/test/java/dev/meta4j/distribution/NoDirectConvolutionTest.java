package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No plugin calls DJL's convolution operator: its channels-first CPU kernel gives wrong input
 * gradients (DESIGN.md, the oneDNN trap), so backbones go through {@code PluginContext.convolution()}.
 */
class NoDirectConvolutionTest {

    private static final String FORBIDDEN = "ai/djl/nn/convolutional/";

    @Test
    void pluginClassesDoNotReferenceDjlsConvolutionalBlocks() throws IOException {
        List<String> offenders = new ArrayList<>();
        int scanned = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.contains("plugins-")) {
                continue;
            }
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                try (Stream<Path> files = Files.walk(p)) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                        scanned++;
                        if (references(Files.readAllBytes(f))) {
                            offenders.add(f.toString());
                        }
                    }
                }
            } else if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
                try (JarFile jar = new JarFile(p.toFile())) {
                    for (JarEntry e : jar.stream().filter(e -> e.getName().endsWith(".class")).toList()) {
                        scanned++;
                        try (InputStream in = jar.getInputStream(e)) {
                            if (references(in.readAllBytes())) {
                                offenders.add(entry + "!" + e.getName());
                            }
                        }
                    }
                }
            }
        }
        assertFalse(scanned == 0, "found no plugin classes on the test classpath");
        assertEquals(List.of(), offenders, "use PluginContext.convolution() instead of DJL's Conv2d");
    }

    private static boolean references(byte[] classFile) {
        return new String(classFile, StandardCharsets.ISO_8859_1).contains(FORBIDDEN);
    }
}
