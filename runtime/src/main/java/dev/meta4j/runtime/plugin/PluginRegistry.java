package dev.meta4j.runtime.plugin;

import dev.meta4j.api.PluginFactory;
import dev.meta4j.runtime.config.Suggestions;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Every plugin factory on the classpath and in the plugin folders, by kind and name.
 *
 * <p>Plugin jars are loaded by one class loader whose parent is the application's, so they see
 * the api (and the engine) but not each other's private classes. Two factories of one kind with
 * one name are an error that names both jars: silently picking one would make results depend on
 * jar order.
 */
public final class PluginRegistry {

    private final ClassLoader classLoader;
    private final Map<PluginKind, Map<String, PluginFactory<?>>> factories;

    private PluginRegistry(ClassLoader classLoader, Map<PluginKind, Map<String, PluginFactory<?>>> f) {
        this.classLoader = classLoader;
        this.factories = f;
    }

    /**
     * Discovers plugins on the classpath and in the given folders.
     *
     * @param pluginDirs folders whose {@code *.jar} files are plugin jars; missing folders are
     *     skipped
     * @return the registry
     * @throws PluginError for an unreadable jar, a factory that cannot be instantiated, or a
     *     duplicate name
     */
    public static PluginRegistry discover(List<Path> pluginDirs) {
        return discover(List.of(), pluginDirs);
    }

    /**
     * Discovers plugins on the classpath and in plugin folders, of which some were asked for
     * explicitly ({@code --plugins DIR}) and must exist.
     *
     * @param required folders that must exist
     * @param pluginDirs every folder to search (the required ones and the default ones)
     * @return the registry
     * @throws PluginError for a missing required folder, a file that is not a jar, a broken
     *     {@code reference.conf}, a services entry naming a missing class, a plugin class in two
     *     jars, a factory that cannot be instantiated, or a duplicate name
     */
    public static PluginRegistry discover(List<Path> required, List<Path> pluginDirs) {
        for (Path dir : required) {
            if (!Files.isDirectory(dir)) {
                throw new PluginError("plugin folder " + dir + (Files.exists(dir) ? " is not a folder" : " does not exist")
                        + " (given with --plugins); fix the path or drop the option");
            }
        }
        List<PluginJar> jars = PluginJar.inFolders(pluginDirs);
        ClassLoader loader = loaderFor(jars);
        PluginJar.checkProviders(jars, PluginRegistry.class.getClassLoader(), loader);
        Map<PluginKind, Map<String, PluginFactory<?>>> all = new EnumMap<>(PluginKind.class);
        for (PluginKind kind : PluginKind.values()) {
            Map<String, PluginFactory<?>> byName = new TreeMap<>();
            try {
                for (PluginFactory<?> f : ServiceLoader.load(kind.factoryType(), loader)) {
                    String name = f.name();
                    validateName(kind, name, f);
                    PluginFactory<?> previous = byName.putIfAbsent(name, f);
                    if (previous != null && previous.getClass() != f.getClass()) {
                        throw new PluginError(
                                "two " + kind.section() + " plugins are named '" + name + "': "
                                        + describe(previous) + " and " + describe(f)
                                        + ". Remove one of the jars, or rename one plugin.");
                    }
                }
            } catch (ServiceConfigurationError e) {
                throw new PluginError(
                        "could not load a " + kind.section() + " plugin ("
                                + kind.factoryType().getName() + "): " + e.getMessage()
                                + ". A factory needs a public no-argument constructor.",
                        e);
            }
            all.put(kind, Collections.unmodifiableMap(byName));
        }
        return new PluginRegistry(loader, all);
    }

    private static void validateName(PluginKind kind, String name, PluginFactory<?> f) {
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]*")) {
            throw new PluginError(
                    kind.section() + " plugin " + describe(f) + " has name '" + name
                            + "'; names are lower case letters, digits and dashes");
        }
    }

    private static ClassLoader loaderFor(List<PluginJar> jars) {
        ClassLoader parent = PluginRegistry.class.getClassLoader();
        if (jars.isEmpty()) {
            return parent;
        }
        List<URL> urls = new ArrayList<>();
        for (PluginJar jar : jars) {
            try {
                urls.add(jar.path().toUri().toURL());
            } catch (MalformedURLException e) {
                throw new PluginError("bad plugin jar path " + jar.path() + ": " + e.getMessage(), e);
            }
        }
        return new URLClassLoader(urls.toArray(URL[]::new), parent);
    }

    /**
     * Where a factory class comes from, for messages.
     *
     * @param factory the factory
     * @return its class and jar (or folder)
     */
    public static String describe(PluginFactory<?> factory) {
        CodeSource src = factory.getClass().getProtectionDomain().getCodeSource();
        String where = src == null || src.getLocation() == null ? "unknown location" : src.getLocation().getPath();
        return factory.getClass().getName() + " (" + where + ")";
    }

    /**
     * The class loader that sees the plugin jars, for resources such as {@code reference.conf}.
     *
     * @return the loader
     */
    public ClassLoader classLoader() {
        return classLoader;
    }

    /**
     * All factories of a kind, by name.
     *
     * @param kind the kind
     * @return an unmodifiable, sorted map
     */
    public Map<String, PluginFactory<?>> all(PluginKind kind) {
        return factories.get(kind);
    }

    /**
     * The factory of a kind with a name.
     *
     * @param kind the kind
     * @param name the name
     * @return the factory
     * @throws PluginError naming the closest known name and listing the known ones
     */
    public PluginFactory<?> get(PluginKind kind, String name) {
        PluginFactory<?> f = factories.get(kind).get(name);
        if (f == null) {
            throw new PluginError(unknownMessage(kind, name));
        }
        return f;
    }

    /**
     * The message for a name that no plugin has.
     *
     * @param kind the kind
     * @param name the name
     * @return the message, with a suggestion when one is close
     */
    public String unknownMessage(PluginKind kind, String name) {
        var known = factories.get(kind).keySet();
        String hint = Suggestions.closest(name, known).map(s -> "; did you mean '" + s + "'?").orElse("");
        return "no " + kind.section() + " plugin named '" + name + "'" + hint + " Known: "
                + String.join(", ", known)
                + ". A third-party plugin goes into a plugins/ folder or onto the classpath.";
    }

    /**
     * Finds the kind and factory of a name, over all kinds.
     *
     * @param name a plugin name
     * @return the matches (a name may be used by plugins of different kinds)
     */
    public List<Map.Entry<PluginKind, PluginFactory<?>>> find(String name) {
        List<Map.Entry<PluginKind, PluginFactory<?>>> out = new ArrayList<>();
        for (PluginKind k : PluginKind.values()) {
            PluginFactory<?> f = factories.get(k).get(name);
            if (f != null) {
                out.add(Map.entry(k, f));
            }
        }
        return out;
    }
}
