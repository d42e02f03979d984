package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meta4j.api.optim.SchedulerFactory;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.runtime.config.ConfigError;
import dev.meta4j.runtime.config.ConfigLoader;
import dev.meta4j.runtime.config.ExperimentConfig;
import dev.meta4j.runtime.experiment.Experiment;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin composed of another (PluginContext.plugin): its {@code @plugin} slot is validated
 * against the plugin its type names, switching the type drops the old type's settings, and the
 * sub-plugin is created with those settings. The composed plugin ships in a jar of its own, as a
 * third party's would.
 */
class SubPluginTest {

    /** A third party's scheduler: half the factor of an inner schedule that the config chooses. */
    private static final String SOURCE = """
            package com.example.halved;

            import dev.meta4j.api.PluginContext;
            import dev.meta4j.api.StateDict;
            import dev.meta4j.api.optim.Scheduler;
            import dev.meta4j.api.optim.SchedulerFactory;
            import dev.meta4j.api.optim.TrainingClock;

            public final class Halved implements Scheduler {
                private final Scheduler inner;

                Halved(PluginContext ctx) {
                    this.inner = ctx.plugin("inner", Scheduler.class);
                }

                @Override
                public double factor(TrainingClock clock) {
                    return 0.5 * inner.factor(clock);
                }

                @Override
                public void saveState(StateDict state) {
                    inner.saveState(state);
                }

                @Override
                public void loadState(StateDict state) {
                    inner.loadState(state);
                }

                public static final class Factory implements SchedulerFactory {
                    @Override
                    public String name() {
                        return "halved";
                    }

                    @Override
                    public String summary() {
                        return "half of another schedule (a test of composed plugins)";
                    }

                    @Override
                    public Scheduler create(PluginContext ctx) {
                        return new Halved(ctx);
                    }
                }
            }
            """;

    @TempDir
    static Path plugins;

    private static PluginRegistry registry;

    @BeforeAll
    static void jar(@TempDir Path work) throws Exception {
        Path src = work.resolve("com/example/halved/Halved.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, SOURCE);
        Path classes = Files.createDirectories(work.resolve("classes"));
        String classpath = String.join(java.io.File.pathSeparator, jarOf(SchedulerFactory.class),
                jarOf(com.typesafe.config.Config.class), jarOf(ai.djl.ndarray.NDArray.class));
        int rc = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                "--release", "17", "-classpath", classpath, src.toString());
        assertEquals(0, rc, "the composed plugin compiles against the api alone");
        try (OutputStream out = Files.newOutputStream(plugins.resolve("halved.jar"));
                JarOutputStream jar = new JarOutputStream(out);
                java.util.stream.Stream<Path> files = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                jar.putNextEntry(new JarEntry(classes.relativize(p).toString().replace(java.io.File.separatorChar, '/')));
                Files.copy(p, jar);
            }
            jar.putNextEntry(new JarEntry("META-INF/services/" + SchedulerFactory.class.getName()));
            jar.write("com.example.halved.Halved$Factory\n".getBytes(StandardCharsets.UTF_8));
            jar.putNextEntry(new JarEntry("reference.conf"));
            jar.write("""
                    meta4j.scheduler.halved {
                      # The schedule that is halved.
                      # @plugin scheduler
                      inner { type = step, step-size = 10, gamma = 0.5 }
                    }
                    """.getBytes(StandardCharsets.UTF_8));
        }
        registry = PluginRegistry.discover(List.of(plugins));
    }

    private static String jarOf(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static ExperimentConfig load(String... overrides) {
        ConfigLoader loader = new ConfigLoader(registry);
        List<String> all = new java.util.ArrayList<>(List.of("scheduler.type=halved", "experiment.steps=100"));
        all.addAll(List.of(overrides));
        return loader.load(loader.parse("maml-sine.conf"), ConfigLoader.overrides(all), Set.of());
    }

    private static double factorAt(ExperimentConfig cfg, long step) {
        try (Experiment e = Experiment.create(cfg, registry)) {
            return e.scheduler().factor(new TrainingClock(step, 100, 0));
        }
    }

    @Test
    void theSlotsDefaultsAndOverridesReachTheSubPlugin() {
        assertEquals(0.5 * 0.5 * 0.5, factorAt(load(), 25), 1e-15, "step-size 10, gamma 0.5, two decays, halved");
        assertEquals(0.5 * 0.1 * 0.1, factorAt(load("scheduler.inner.gamma=0.1"), 25), 1e-15);
    }

    @Test
    void switchingTheTypeDropsTheOldTypesSettings() {
        ExperimentConfig cfg = load("scheduler.inner.type=cosine", "scheduler.inner.min-factor=0.2");
        assertEquals(0.5, factorAt(cfg, 0), 1e-15, "cosine starts at the full rate");
        assertEquals("cosine", cfg.plugin(dev.meta4j.runtime.plugin.PluginKind.SCHEDULER).orElseThrow()
                .settings().getString("inner.type"));
        assertTrue(!cfg.plugin(dev.meta4j.runtime.plugin.PluginKind.SCHEDULER).orElseThrow()
                .settings().hasPath("inner.step-size"), "step's settings do not leak into a cosine schedule");
    }

    @Test
    void badSlotSettingsAreConfigErrorsNamingTheKey() {
        String m = assertThrows(ConfigError.class, () -> load("scheduler.inner.gama=0.1")).getMessage();
        assertTrue(m.contains("scheduler.inner.gama") && m.contains("gamma"), m);
        m = assertThrows(ConfigError.class, () -> load("scheduler.inner.type=cosine", "scheduler.inner.gamma=0.1"))
                .getMessage();
        assertTrue(m.contains("scheduler.inner.gamma"), "gamma is a step setting, not a cosine one: " + m);
        m = assertThrows(ConfigError.class, () -> load("scheduler.inner.type=cosin")).getMessage();
        assertTrue(m.contains("scheduler.inner.type") && m.contains("cosine"), m);
        m = assertThrows(ConfigError.class, () -> load("scheduler.inner.gamma=2")).getMessage();
        assertTrue(m.contains("scheduler.inner.gamma"), "gamma's @range (0, 1] holds inside the slot: " + m);
    }
}
