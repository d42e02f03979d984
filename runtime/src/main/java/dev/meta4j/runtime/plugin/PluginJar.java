package dev.meta4j.runtime.plugin;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * A jar in a plugin folder, opened and checked before any class of it is loaded: it must be a zip
 * file, its {@code reference.conf} must parse, and every factory its service files list must be in
 * it. A problem stops start-up with the jar's name, because a plugin that silently went missing
 * would change what a config means.
 *
 * @param path the jar
 * @param providers factory class name to the service file that lists it
 */
record PluginJar(Path path, Map<String, String> providers) {

    /**
     * The jars of plugin folders, checked; folders that do not exist are skipped, and a folder
     * named twice (say {@code $META4J_HOME/plugins} and {@code ./plugins} in the install folder)
     * is read once.
     *
     * @param dirs the folders
     * @return the jars, by folder, then file name
     * @throws PluginError for an entry that is not a readable jar, or a plugin class in two jars
     */
    static List<PluginJar> inFolders(List<Path> dirs) {
        List<PluginJar> out = new ArrayList<>();
        java.util.Set<Path> seen = new java.util.HashSet<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir) || !seen.add(realPath(dir))) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList()) {
                    out.add(open(p));
                }
            } catch (IOException e) {
                throw new PluginError("cannot list plugin folder " + dir + ": " + e.getMessage(), e);
            }
        }
        Map<String, Path> owner = new HashMap<>();
        for (PluginJar jar : out) {
            for (String cls : jar.providers().keySet()) {
                Path other = owner.putIfAbsent(cls, jar.path());
                if (other != null && !other.equals(jar.path())) {
                    throw new PluginError("plugin class " + cls + " is in two jars, " + other + " and " + jar.path()
                            + " (two versions of one plugin?); remove one of them");
                }
            }
        }
        return out;
    }

    private static Path realPath(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            return dir.toAbsolutePath().normalize();
        }
    }

    private static PluginJar open(Path p) {
        if (Files.isDirectory(p)) {
            throw new PluginError("plugin folder entry " + p + " is a folder, not a jar; remove or rename it");
        }
        try (JarFile jar = new JarFile(p.toFile())) {
            ZipEntry ref = jar.getEntry("reference.conf");
            if (ref != null) {
                try (Reader r = new InputStreamReader(jar.getInputStream(ref), StandardCharsets.UTF_8)) {
                    ConfigFactory.parseReader(r, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
                            .setOriginDescription(p + "!/reference.conf"));
                } catch (ConfigException e) {
                    throw new PluginError("plugin jar " + p + " has a broken reference.conf: " + e.getMessage()
                            + "; fix the plugin's defaults or remove the jar");
                }
            }
            Map<String, String> providers = new HashMap<>();
            for (PluginKind kind : PluginKind.values()) {
                String file = "META-INF/services/" + kind.factoryType().getName();
                ZipEntry services = jar.getEntry(file);
                if (services == null) {
                    continue;
                }
                try (BufferedReader r = new BufferedReader(new InputStreamReader(jar.getInputStream(services), StandardCharsets.UTF_8))) {
                    r.lines().map(l -> l.replaceAll("#.*", "").trim()).filter(l -> !l.isEmpty())
                            .forEach(cls -> providers.put(cls, file));
                }
            }
            return new PluginJar(p, Map.copyOf(providers));
        } catch (IOException e) {
            throw new PluginError("plugin folder entry " + p + " is not a readable jar (" + e.getMessage()
                    + "); remove it from the plugins folder or rebuild it");
        }
    }

    /**
     * Checks that every listed factory class can be found, in its own jar and not already in meta4j.
     *
     * @param jars the plugin jars
     * @param parent the application's class loader
     * @param loader the loader over the jars
     * @throws PluginError naming the jar, the service file and the class
     */
    static void checkProviders(List<PluginJar> jars, ClassLoader parent, ClassLoader loader) {
        for (PluginJar jar : jars) {
            for (Map.Entry<String, String> e : jar.providers().entrySet()) {
                String resource = e.getKey().replace('.', '/') + ".class";
                var builtIn = parent.getResource(resource);
                if (builtIn != null) {
                    throw new PluginError("plugin jar " + jar.path() + " provides " + e.getKey() + ", which meta4j already has ("
                            + builtIn.getPath().replaceFirst("!/.*", "") + "); remove the jar from the plugins folder");
                }
                if (loader.getResource(resource) == null) {
                    throw new PluginError("plugin jar " + jar.path() + ": " + e.getValue() + " lists class " + e.getKey()
                            + ", which is not in the jar; fix the services file or rebuild the jar");
                }
            }
        }
    }
}
