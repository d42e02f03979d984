package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.auto.service.processor.AutoServiceProcessor;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginFactory;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third party's algorithm, compiled now against the api alone, packed into a jar with its own
 * {@code reference.conf} and dropped into a plugins folder: listed, described and run with no
 * change to meta4j. Two plugins of one kind with one name stop start-up, naming both jars.
 * {@link ThirdPartyExampleIT} does the same the long way, as a third party would: a Maven project
 * of its own, built against the installed artifacts, tested with {@code meta4j-testkit}.
 */
class ThirdPartyPluginTest {

    private static final String SOURCE = """
            package com.example.meta;

            import ai.djl.ndarray.NDArray;
            import ai.djl.ndarray.NDList;
            import ai.djl.ndarray.NDManager;
            import com.google.auto.service.AutoService;
            import dev.meta4j.api.PluginContext;
            import dev.meta4j.api.Rng;
            import dev.meta4j.api.Split;
            import dev.meta4j.api.algorithm.*;
            import dev.meta4j.api.autograd.Autograd;
            import dev.meta4j.api.autograd.GraphMode;
            import dev.meta4j.api.data.TaskBatch;
            import dev.meta4j.api.data.TaskSource;
            import dev.meta4j.api.model.Backbone;
            import dev.meta4j.api.model.Forward;
            import dev.meta4j.api.model.Params;
            import dev.meta4j.api.optim.Optimizer;

            /** Joint training: one model fitted to the pooled data of many tasks, no adaptation. */
            public final class JointTraining implements Algorithm {
                private final PluginContext ctx;
                private final int tasksPerStep;
                private TaskSource source;
                private Backbone model;
                private Optimizer optimizer;
                private Params params;

                JointTraining(PluginContext ctx) {
                    this.ctx = ctx;
                    this.tasksPerStep = ctx.config().getInt("tasks-per-step");
                }

                @Override public void init(Components c) {
                    source = c.dataset(TaskSource.class);
                    model = c.backbone(Backbone.class);
                    optimizer = c.optimizer();
                    params = model.init(source.spec(), ctx.rng().split("init"), ctx.manager(), ctx.dataType());
                }

                @Override public Params parameters() { return params; }

                @Override public Metrics trainStep(Step step) {
                    params.tempAttach(step.manager());
                    TaskBatch b = source.sample(tasksPerStep, ctx.rng(), step.manager());
                    NDList grads;
                    NDArray loss;
                    try (Autograd.Scope rec = ctx.autograd().record()) {
                        NDArray pred = model.forward(params, b.queryInputs().reshape(-1, 1), Forward.training(new Rng(0))).get(0);
                        loss = pred.sub(b.queryTargets().reshape(-1, 1)).square().mean();
                        grads = ctx.autograd().grad(loss, params.arrays(), GraphMode.RELEASE);
                    }
                    optimizer.step(params, grads, step.learningRate());
                    return Metrics.builder().put("loss", loss).build();
                }

                @Override public Evaluation evaluate(Split split, NDManager m) {
                    params.tempAttach(m);
                    TaskBatch b = source.evaluationEpisodes(split, 20).next(20, m);
                    try (Autograd.Scope off = ctx.autograd().pause()) {
                        NDArray pred = model.forward(params, b.queryInputs().reshape(-1, 1), Forward.evaluation(new Rng(0))).get(0);
                        return Evaluation.of(Metrics.builder()
                                .put("mse", pred.sub(b.queryTargets().reshape(-1, 1)).square().mean()).build());
                    }
                }

                @Override public Selection selection() { return new Selection("mse", false); }

                @AutoService(AlgorithmFactory.class)
                public static final class Factory implements AlgorithmFactory {
                    @Override public String name() { return "%NAME%"; }
                    @Override public String summary() { return "joint training on pooled tasks (example third-party plugin)"; }
                    @Override public Algorithm create(PluginContext ctx) { return new JointTraining(ctx); }
                }
            }
            """;

    private static final String REFERENCE = """
            meta4j.algorithm.%NAME% {
              # Tasks pooled per step.
              # @int
              # @range [1, inf)
              tasks-per-step = 10
            }
            """;

    @TempDir Path tmp;

    @Test
    void aJarInThePluginsFolderIsListedDescribedAndRun() throws Exception {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        buildPluginJar("joint-training", plugins.resolve("joint-training.jar"));

        Cli list = Cli.run("list", "--plugins", plugins.toString());
        assertEquals(0, list.exitCode(), list.toString());
        assertTrue(list.out().contains("joint-training") && list.out().contains("example third-party plugin"), list.out());
        assertTrue(list.out().contains("maml"), "built-ins are still there: " + list.out());

        Cli describe = Cli.run("describe", "joint-training", "--plugins", plugins.toString());
        assertEquals(0, describe.exitCode(), describe.toString());
        assertTrue(describe.out().contains("tasks-per-step") && describe.out().contains("Tasks pooled per step"),
                describe.out());

        Path conf = tmp.resolve("joint.conf");
        Files.writeString(conf, """
                experiment { name = joint, steps = 60, eval-every = 30, plots = false }
                algorithm { type = joint-training, tasks-per-step = 5 }
                dataset { type = sine }
                model { type = mlp, hidden = [16] }
                """);
        Cli run = Cli.run("run", "--plugins", plugins.toString(), "--config", conf.toString(),
                "experiment.output-dir=" + tmp.resolve("runs"));
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("mse"), run.out());
        Path folder = Cli.runFolder(tmp.resolve("runs"), "joint");
        assertTrue(Files.readString(folder.resolve("config.conf")).contains("tasks-per-step=5"));

        Cli typo = Cli.run("validate", "--plugins", plugins.toString(), "--config", conf.toString(),
                "algorithm.tasks-per-stp=3");
        assertEquals(2, typo.exitCode());
        assertTrue(typo.err().contains("did you mean 'tasks-per-step'?"), typo.err());
    }

    @Test
    void twoPluginsWithOneNameStopStartUpNamingBothJars() throws Exception {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        buildPluginJar("maml", plugins.resolve("impostor.jar"));
        Cli list = Cli.run("list", "--plugins", plugins.toString());
        assertEquals(2, list.exitCode(), list.toString());
        assertTrue(list.err().contains("two algorithm plugins are named 'maml'"), list.err());
        assertTrue(list.err().contains("impostor.jar"), list.err());
        assertTrue(list.err().contains("meta4j-plugins-algorithms") || list.err().contains("plugins-algorithms"),
                list.err());
    }

    /** Compiles the source against the api jar alone (and AutoService), then packs a plugin jar. */
    private void buildPluginJar(String name, Path jar) throws Exception {
        Path src = tmp.resolve("src-" + name + "/com/example/meta/JointTraining.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, SOURCE.replace("%NAME%", name));
        Path classes = Files.createDirectories(tmp.resolve("classes-" + name));
        List<String> classpath = List.of(jarOf(PluginFactory.class), jarOf(ai.djl.ndarray.NDArray.class),
                jarOf(Config.class), jarOf(com.google.auto.service.AutoService.class));
        List<String> processorPath = List.of(jarOf(AutoServiceProcessor.class),
                jarOf(com.google.auto.common.MoreElements.class), jarOf(com.google.common.collect.ImmutableSet.class),
                jarOf(com.google.auto.service.AutoService.class));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-d", classes.toString(), "--release", "17",
                "-classpath", String.join(File.pathSeparator, classpath),
                "-processorpath", String.join(File.pathSeparator, processorPath), src.toString());
        assertEquals(0, rc, "the third-party plugin must compile against the api alone");
        assertTrue(Files.exists(classes.resolve("META-INF/services/dev.meta4j.api.algorithm.AlgorithmFactory")),
                "AutoService registers the factory");
        Files.writeString(classes.resolve("reference.conf"), REFERENCE.replace("%NAME%", name));
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out);
                Stream<Path> files = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                j.putNextEntry(new JarEntry(classes.relativize(p).toString().replace(File.separatorChar, '/')));
                Files.copy(p, j);
                j.closeEntry();
            }
        }
    }

    private static String jarOf(Class<?> c) throws URISyntaxException, IOException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

}
