package dev.meta4j.runtime.config;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** The names of the example configs bundled on the classpath, for "did you mean" on {@code --config}. */
final class BundledConfigs {

    private BundledConfigs() {}

    /**
     * Lists the {@code .conf} resources directly below a classpath folder, in jars and folders.
     *
     * @param loader where to look
     * @param prefix the folder, ending in {@code /}
     * @return the file names, sorted; empty if they cannot be listed
     */
    static List<String> names(ClassLoader loader, String prefix) {
        TreeSet<String> out = new TreeSet<>();
        try {
            Enumeration<URL> roots = loader.getResources(prefix);
            while (roots.hasMoreElements()) {
                URL url = roots.nextElement();
                if (url.getProtocol().equals("jar")) {
                    JarURLConnection c = (JarURLConnection) url.openConnection();
                    c.setUseCaches(false);
                    try (JarFile jar = c.getJarFile()) {
                        jar.stream().map(e -> e.getName())
                                .filter(n -> n.startsWith(prefix) && n.endsWith(".conf") && n.indexOf('/', prefix.length()) < 0)
                                .forEach(n -> out.add(n.substring(prefix.length())));
                    }
                } else if (url.getProtocol().equals("file")) {
                    try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
                        files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".conf")).forEach(out::add);
                    }
                }
            }
        } catch (IOException | URISyntaxException e) {
            return List.copyOf(out); // only a hint is lost
        }
        return List.copyOf(out);
    }
}
