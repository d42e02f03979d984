package dev.meta4j.testkit;

import dev.meta4j.api.PluginFactory;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** The runtime's view of the test's classpath: plugin kinds by factory interface, and the registry. */
final class Kinds {

    private Kinds() {}

    /** Discovered once per JVM, since the classpath does not change while tests run; null until then. */
    private static PluginRegistry registry;

    /**
     * The plugins on the classpath, as the runtime discovers them. A failed discovery (a bad name,
     * two plugins with one name) is thrown again by the next call, not cached.
     *
     * @throws dev.meta4j.runtime.plugin.PluginError if the runtime would refuse to start
     */
    static synchronized PluginRegistry registry() {
        if (registry == null) {
            registry = PluginRegistry.discover(List.of());
        }
        return registry;
    }

    /** The kind whose factory interface is {@code factoryType}. */
    static PluginKind of(Class<?> factoryType) {
        List<String> names = new ArrayList<>();
        for (PluginKind k : PluginKind.values()) {
            if (k.factoryType() == factoryType) {
                return k;
            }
            names.add(k.factoryType().getSimpleName());
        }
        throw new IllegalArgumentException(factoryType.getName() + " is not a plugin kind; expected the factory interface "
                + "of one: " + String.join(", ", names) + " (a plugin's own Factory class is not a kind)");
    }

    /** What a kind's factories create: the type argument of its {@code PluginFactory<T>}. */
    static Class<?> product(PluginKind kind) {
        for (Type t : kind.factoryType().getGenericInterfaces()) {
            if (t instanceof ParameterizedType p && p.getRawType() == PluginFactory.class
                    && p.getActualTypeArguments()[0] instanceof Class<?> c) {
                return c;
            }
        }
        throw new IllegalStateException(kind.factoryType().getName() + " does not extend PluginFactory<T> with a class T");
    }

    /** Fails with what to check when no factory of the kind has the name. */
    static PluginFactory<?> requireRegistered(PluginKind kind, String name) {
        Map<String, PluginFactory<?>> known = registry().all(kind);
        PluginFactory<?> f = known.get(name);
        if (f == null) {
            throw new IllegalStateException(notRegistered(kind, name, known.keySet()));
        }
        return f;
    }

    /** Why a name may be missing, and what to check. */
    static String notRegistered(PluginKind kind, String name, Collection<String> found) {
        String services = "META-INF/services/" + kind.factoryType().getName();
        return "no " + kind.section() + " plugin named '" + name + "' on the test classpath"
                + " (found: " + (found.isEmpty() ? "none" : String.join(", ", found)) + "). Check that its factory"
                + " is a public class with a public no-argument constructor, registered with @AutoService("
                + kind.factoryType().getSimpleName() + ".class) (AutoService's annotation processor must run: put"
                + " com.google.auto.service:auto-service on the compiler's annotation processor path) or listed in "
                + services + ", and that its name() returns '" + name + "'";
    }
}
