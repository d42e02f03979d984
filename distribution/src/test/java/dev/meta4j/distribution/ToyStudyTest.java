package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.plugin.PluginRegistry;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meta4j toy-study}, shortened for CI, checked against what the FAMO paper reports for the
 * toy (Fig. 1, 50,000 steps of Adam at 1e-3: Adam on the summed loss fails in one of five runs;
 * MGDA, PCGrad, CAGrad, Nash-MTL and FAMO are not reported failing) and what the full-length
 * study shows here.
 *
 * <p><b>CI settings.</b> Adam at learning rate {@value #LR} for {@value #STEPS} steps instead of
 * 1e-3 for 50,000. Fewer steps at 1e-3 cannot reach the front from (9, 9), 17 units above it,
 * since Adam moves about one learning rate per step; and the step count cannot shrink much below
 * 10,000 whatever the rate, because the last approach runs along a nearly flat direction of the
 * front, where Adam's steps stay small until its second moment (beta2 = 0.999) has forgotten the
 * large gradients of the descent. At these settings every paper method has the full study's
 * outcome, with the last run reaching the front about 2,000 steps before the end. Nash-MTL gets
 * {@value #NASH_STEPS} steps: it reaches the front by step 2,100 from every start, and there each
 * of its steps costs milliseconds (its bargaining problem is nearly infeasible where the task
 * gradients are nearly opposite). PCGrad and CAGrad are clipped to norm 1 as in the FAMO script;
 * unclipped they are caught from (9, 9) at the papers' settings too (see the toy-study report).
 */
class ToyStudyTest {

    static final String STEPS = "12000";
    static final String LR = "0.006";
    static final String NASH_STEPS = "3000";

    @TempDir Path dir;

    /** One CSV row of toy-study.csv. */
    record Row(String method, int start, boolean finite, double x1, double x2, boolean onFront, String error) {}

    @Test
    void thePapersMethodsHaveThePapersOutcomes() throws Exception {
        long t0 = System.nanoTime();
        // Nash-MTL's shorter study runs beside the others (three threads in all)
        CompletableFuture<Cli> nashRun = CompletableFuture.supplyAsync(() -> Cli.run("toy-study",
                "--out", dir.resolve("b").toString(), "--steps", NASH_STEPS, "--lr", LR, "--methods", "nashmtl"));
        Cli main = Cli.run("toy-study", "--out", dir.resolve("a").toString(), "--steps", STEPS, "--lr", LR,
                "--threads", "2", "--methods", "cagrad,famo,mgda,pcgrad,ls", "--max-grad-norm", "pcgrad=1,cagrad=1");
        Cli nash = nashRun.get();
        assertEquals(0, main.exitCode(), main::toString);
        assertEquals(0, nash.exitCode(), nash::toString);
        System.out.printf("toy study, CI settings: %.1f s%n%s%n%s%n", (System.nanoTime() - t0) / 1e9, main.out(),
                nash.out());

        Map<String, List<Row>> rows = read(dir.resolve("a/toy-study.csv"));
        rows.putAll(read(dir.resolve("b/toy-study.csv")));
        for (List<Row> runs : rows.values()) {
            assertEquals(5, runs.size());
            for (Row r : runs) {
                assertTrue(r.finite() && r.error().isEmpty(), r.toString());
            }
        }
        // the methods that the FAMO paper does not report failing reach the front from every start
        for (String m : List.of("famo", "cagrad", "nashmtl", "mgda", "pcgrad")) {
            List<Row> runs = rows.get(m);
            assertEquals(5, runs.stream().filter(Row::onFront).count(), () -> m + ": " + runs);
        }
        // LS (Adam on the summed loss) does not from (9, 9): it is caught in the logarithmic valley
        // of l2, where -x1/2 + 7/2 - tanh x2 = 0 in the upper half plane, and never leaves it. Where
        // in the valley it stops after 12,000 steps depends on rounding: the residual was 0.040 for
        // PyTorch 1.13's float32 Adam, 0.088 for its float64 Adam, 0.014 for meta4j's fused Adam
        // before it matched PyTorch's float32 rule, 0.076 after (the other valley is ~7 away).
        List<Row> ls = rows.get("ls");
        Row trapped = ls.get(2);
        assertFalse(trapped.onFront(), trapped.toString());
        assertTrue(trapped.x2() > 0 && Math.abs(-0.5 * trapped.x1() + 3.5 - Math.tanh(trapped.x2())) < 0.15,
                "LS from (9, 9) should end in l2's valley: " + trapped);
        assertEquals(4, ls.stream().filter(Row::onFront).count(), "FAMO Fig. 1: 1 of 5 fails; " + ls);

        assertTrue(main.out().contains("| famo | 5 |"), main.out());
        assertTrue(main.out().contains("ADAM fails in 1 out of 5 runs"), main.out());
        assertTrue(main.out().contains("clipped after the method's combination"), main.out());
    }

    @Test
    void everyRegisteredMethodRunsAndTheFigureIsWritten() throws Exception {
        long t0 = System.nanoTime();
        Cli cli = Cli.run("toy-study", "--out", dir.toString(), "--steps", "1000", "--threads", "2");
        assertEquals(0, cli.exitCode(), cli::toString);
        System.out.printf("toy study, every method, 1000 steps: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        Map<String, List<Row>> rows = read(dir.resolve("toy-study.csv"));
        assertEquals(PluginRegistry.discover(List.of()).all(PluginKind.WEIGHTING).keySet(), rows.keySet(),
                "every registered weighting method, in the registry's order");
        for (var e : rows.entrySet()) {
            assertEquals(5, e.getValue().size(), e.getKey());
            for (Row r : e.getValue()) {
                assertTrue(r.finite() && r.error().isEmpty(), r.toString());
            }
        }
        BufferedImage png = ImageIO.read(dir.resolve("toy-study.png").toFile());
        assertNotNull(png);
        assertTrue(png.getWidth() >= 1500 && png.getHeight() >= 1000, png.getWidth() + "x" + png.getHeight());
        String md = Files.readString(dir.resolve("toy-study.md"));
        assertTrue(md.contains("| method | on Pareto front (of 5) | from (-8.5, 7.5) |"), md);
        assertEquals(rows.size(), md.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| method")).count(), md);
    }

    /** A third party's weighting method: a fixed weight on the first loss, from its own reference.conf. */
    private static final String THIRD_PARTY = """
            package com.example.weighting;

            import ai.djl.ndarray.NDArray;
            import com.google.auto.service.AutoService;
            import dev.meta4j.api.PluginContext;
            import dev.meta4j.api.weighting.Combination;
            import dev.meta4j.api.weighting.Need;
            import dev.meta4j.api.weighting.TaskSignals;
            import dev.meta4j.api.weighting.WeightingFactory;
            import dev.meta4j.api.weighting.WeightingMethod;

            public final class FirstWeighted implements WeightingMethod {
                private final double first;

                FirstWeighted(double first) { this.first = first; }

                @Override public Need need(long step) { return Need.LOSSES; }

                @Override public Combination combine(TaskSignals s) {
                    float[] w = new float[s.taskCount()];
                    java.util.Arrays.fill(w, 1f);
                    w[0] = (float) first;
                    NDArray weights = s.manager().create(w).toType(s.losses().getDataType(), false);
                    return Combination.weighted(s.losses(), weights);
                }

                @AutoService(WeightingFactory.class)
                public static final class Factory implements WeightingFactory {
                    @Override public String name() { return "first-weighted"; }
                    @Override public String summary() { return "a fixed weight on the first loss (example)"; }
                    @Override public WeightingMethod create(PluginContext ctx) {
                        return new FirstWeighted(ctx.config().getDouble("first"));
                    }
                }
            }
            """;

    @Test
    void aThirdPartyWeightingMethodInAPluginsFolderTakesPart() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path src = dir.resolve("src/com/example/weighting/FirstWeighted.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, THIRD_PARTY);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        List<String> classpath = List.of(jarOf(dev.meta4j.api.PluginFactory.class),
                jarOf(ai.djl.ndarray.NDArray.class), jarOf(com.typesafe.config.Config.class),
                jarOf(com.google.auto.service.AutoService.class));
        List<String> processorPath = List.of(jarOf(com.google.auto.service.processor.AutoServiceProcessor.class),
                jarOf(com.google.auto.common.MoreElements.class), jarOf(com.google.common.collect.ImmutableSet.class),
                jarOf(com.google.auto.service.AutoService.class));
        int rc = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                "--release", "17", "-classpath", String.join(java.io.File.pathSeparator, classpath),
                "-processorpath", String.join(java.io.File.pathSeparator, processorPath), src.toString());
        assertEquals(0, rc, "the plugin compiles against the api alone");
        Files.writeString(classes.resolve("reference.conf"), "meta4j.weighting.first-weighted { first = 10 }\n");
        try (var out = Files.newOutputStream(plugins.resolve("first-weighted.jar"));
                var jar = new java.util.jar.JarOutputStream(out);
                var files = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                jar.putNextEntry(new java.util.jar.JarEntry(
                        classes.relativize(p).toString().replace(java.io.File.separatorChar, '/')));
                Files.copy(p, jar);
                jar.closeEntry();
            }
        }
        Path out = dir.resolve("out");
        Cli cli = Cli.run("toy-study", "--plugins", plugins.toString(), "--out", out.toString(), "--steps", "200",
                "--methods", "first-weighted,ls", "first-weighted.first=5");
        assertEquals(0, cli.exitCode(), cli::toString);
        List<Row> rows = read(out.resolve("toy-study.csv")).get("first-weighted");
        assertEquals(5, rows.size());
        rows.forEach(r -> assertTrue(r.finite() && r.error().isEmpty(), r.toString()));
        assertTrue(cli.out().contains("| first-weighted |") && cli.out().contains("not run in the papers"), cli.out());
        assertTrue(cli.out().contains("\"first-weighted\":{\"first\":5}"), "the override is reported: " + cli.out());
    }

    private static String jarOf(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void unknownMethodsAndSettingsAreErrors() {
        Cli unknown = Cli.run("toy-study", "--out", dir.toString(), "--steps", "1", "--methods", "fam");
        assertEquals(2, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.err().contains("did you mean 'famo'"), unknown::toString);
        Cli badKey = Cli.run("toy-study", "--out", dir.toString(), "--steps", "1", "--methods", "famo",
                "famo.gama=0.1");
        // validated like an experiment's section: the key, the argument, the closest valid name
        assertEquals(2, badKey.exitCode(), badKey::toString);
        assertTrue(badKey.err().contains("'famo.gama=0.1'") && badKey.err().contains("did you mean 'gamma'"),
                badKey::toString);
        Cli badValue = Cli.run("toy-study", "--out", dir.toString(), "--steps", "1", "--methods", "famo",
                "famo.gamma=-1");
        assertEquals(2, badValue.exitCode(), badValue::toString);
        assertTrue(badValue.err().contains("weighting.gamma: -1 is out of range"), badValue::toString);
        Cli clipOther = Cli.run("toy-study", "--out", dir.toString(), "--steps", "1", "--methods", "famo",
                "--max-grad-norm", "ls=1");
        assertEquals(1, clipOther.exitCode(), clipOther::toString);
    }

    private static Map<String, List<Row>> read(Path csv) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        List<String> header = List.of(lines.get(0).split(","));
        Map<String, List<Row>> out = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            Row r = new Row(f[header.indexOf("method")], Integer.parseInt(f[header.indexOf("start")]),
                    Boolean.parseBoolean(f[header.indexOf("finite")]),
                    Double.parseDouble(f[header.indexOf("end_x1")]), Double.parseDouble(f[header.indexOf("end_x2")]),
                    Boolean.parseBoolean(f[header.indexOf("on_front")]), f[header.indexOf("error")]);
            out.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r);
        }
        return out;
    }
}
