package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meta4j.datasets.IdxFixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The third-party example ({@code examples/third-party-plugin}) built and used as a third party
 * would: against the published artifacts only, then dropped into a distribution's {@code plugins/}
 * folder.
 *
 * <p>It runs in {@code integration-test} (after {@code package}), when the jars of this build and
 * the distribution's {@code target/meta4j} exist. Steps:
 *
 * <ol>
 *   <li>installs the parent POM, {@code meta4j-bom}, {@code meta4j-api}, {@code meta4j-runtime} and
 *       {@code meta4j-testkit} of this build into a private local repository, {@code
 *       target/third-party-example/repo} (never the user's);
 *   <li>builds a copy of the example there with {@code mvn -o verify}: offline, and with a settings
 *       file whose only repository is the outer build's local repository as a {@code file://}
 *       mirror ({@code aether.offline.protocols=file} lets an offline build read it). Third-party
 *       artifacts are thus copied from what this build already resolved, and nothing is
 *       downloaded; a version the example needs that this build does not use fails here, naming
 *       the artifact. The example's own tests run in that build;
 *   <li>lays out a distribution ({@code bin/} copied, {@code lib/} and {@code conf/} linked to
 *       {@code target/meta4j}) whose {@code plugins/} holds only the example's jar, and runs its
 *       {@code bin/meta4j list}, {@code describe gls} and a short multi-task run with {@code
 *       weighting.type=gls} on a generated Fashion-MNIST folder.
 * </ol>
 */
class ThirdPartyExampleIT {

    private static final long BUILD_TIMEOUT_S = 300;
    private static final long CLI_TIMEOUT_S = 180;

    private final Path root = Path.of(property("meta4j.root"));
    private final String version = property("meta4j.version");
    private final Path work = Path.of(property("meta4j.it.work"));
    private final Path outerRepository = Path.of(property("meta4j.it.outerRepository"));
    private final Path distribution = Path.of(property("meta4j.it.distribution"));

    @Test
    void theExampleBuildsAgainstThePublishedArtifactsAndRunsFromPlugins() throws Exception {
        Files.createDirectories(work);
        Path repo = work.resolve("repo");
        installMeta4j(repo);
        Path settings = writeSettings();

        Path project = work.resolve("project");
        deleteTree(project);
        copyTree(root.resolve("examples/third-party-plugin"), project);
        Path buildLog = work.resolve("build.log");
        int rc = run(project, buildLog, BUILD_TIMEOUT_S, Map.of(), mavenCommand(), "-o", "-B", "-s", settings.toString(),
                "-Dmaven.repo.local=" + repo, "-Daether.offline.protocols=file", "-Dmeta4j.version=" + version,
                "-Djunit.version=" + property("meta4j.it.junitVersion"),
                "-Dautoservice.version=" + property("meta4j.it.autoserviceVersion"), "verify");
        String log = Files.readString(buildLog);
        assertEquals(0, rc, "the example's build failed (" + buildLog + "):\n" + tail(log, 80));
        String fromMirror = grep(log, "/dev/meta4j/", "Download");
        assertTrue(fromMirror.isEmpty(), "meta4j artifacts must come from the private repository, not the mirror:\n" + fromMirror);
        int testsRun = exampleTestsRun(project);
        assertTrue(testsRun >= 5, "the example's tests ran: " + testsRun);

        Path jar = project.resolve("target/meta4j-gls-1.0.0.jar");
        try (JarFile j = new JarFile(jar.toFile())) {
            assertTrue(j.getEntry("META-INF/services/dev.meta4j.api.weighting.WeightingFactory") != null, "AutoService registered gls");
            assertTrue(j.getEntry("reference.conf") != null, "gls ships its defaults");
            assertTrue(j.stream().noneMatch(e -> e.getName().startsWith("dev/meta4j/")), "the api is not copied into the plugin");
        }

        Path home = layOutDistribution(jar);
        Cli list = cli(home, "list");
        assertEquals(0, list.exitCode(), list.toString());
        assertTrue(list.out().lines().anyMatch(l -> l.strip().startsWith("gls ") && l.contains("Geometric Loss Strategy")), list.out());
        assertTrue(list.out().contains("famo"), "the built-in methods are still there: " + list.out());

        Cli describe = cli(home, "describe", "gls");
        assertEquals(0, describe.exitCode(), describe.toString());
        assertTrue(describe.out().contains("weighting 'gls': Geometric Loss Strategy"), describe.out());
        assertTrue(describe.out().contains("plugins/meta4j-gls-1.0.0.jar"), "found in plugins/: " + describe.out());
        assertTrue(describe.out().contains("eps=1.0E-8") && describe.out().contains("@range [0, inf)"), describe.out());

        Path data = work.resolve("fashion");
        deleteTree(data);
        IdxFixtures.learnable(data, 300, 100, 5);
        Path runs = work.resolve("runs");
        deleteTree(runs);
        Cli run = cli(home, "run", "--config", "famo-multifashion.conf", "weighting.type=gls",
                "experiment.name=gls", "experiment.output-dir=" + runs, "experiment.epochs=1", "experiment.log-every=1",
                "experiment.plots=false", "experiment.threads=1", "dataset.root=" + data, "dataset.validation-size=100",
                "algorithm.batch-size=50");
        assertEquals(0, run.exitCode(), run.toString());
        Path folder = Cli.runFolder(runs, "gls");
        JsonObject summary = JsonParser.parseString(Files.readString(folder.resolve("summary.json"))).getAsJsonObject();
        assertEquals("finished", summary.get("status").getAsString(), summary.toString());
        assertTrue(Files.readString(folder.resolve("config.conf")).contains("gls"), "config.conf names gls");
        checkLoggedWeights(folder.resolve("metrics.jsonl"));
    }

    /**
     * Every logged training step (one step per line, {@code log-every = 1}) has gls's weights:
     * {@code w_i = G / (K (l_i + eps))}, so {@code w_i l_i} is the same for both tasks. Nothing
     * else meta4j ships logs weights with that property.
     */
    private static void checkLoggedWeights(Path metrics) throws IOException {
        int steps = 0;
        for (String line : Files.readAllLines(metrics)) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            if (!o.get("split").getAsString().equals("train")) {
                continue;
            }
            steps++;
            double left = o.get("weight/left").getAsDouble() * (o.get("loss/left").getAsDouble() + 1e-8);
            double right = o.get("weight/right").getAsDouble() * (o.get("loss/right").getAsDouble() + 1e-8);
            assertEquals(left, right, 1e-5 * Math.abs(left), "w_i (l_i + eps) = G / K for every task: " + line);
        }
        assertTrue(steps >= 4, "training steps logged: " + steps);
    }

    /** Copies this build's artifacts into the private repository, in the local repository layout. */
    private void installMeta4j(Path repo) throws IOException {
        deleteTree(repo.resolve("dev/meta4j"));
        install(repo, "meta4j-parent", root.resolve("pom.xml"), null);
        install(repo, "meta4j-bom", root.resolve("bom/pom.xml"), null);
        for (String module : List.of("api", "runtime", "testkit")) {
            String artifact = "meta4j-" + module;
            Path jar = root.resolve(module + "/target/" + artifact + "-" + version + ".jar");
            if (!Files.isRegularFile(jar)) {
                fail(jar + " is missing: this test needs the packaged jars of the build (run it with `mvn -B verify`)");
            }
            install(repo, artifact, root.resolve(module + "/pom.xml"), jar);
        }
    }

    private void install(Path repo, String artifact, Path pom, Path jar) throws IOException {
        Path dir = Files.createDirectories(repo.resolve("dev/meta4j/" + artifact + "/" + version));
        Files.copy(pom, dir.resolve(artifact + "-" + version + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, dir.resolve(artifact + "-" + version + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The outer local repository as the only remote one. Declaring it as {@code central} too
     * (which the mirror then serves) sets its checksum policy: a local repository keeps no
     * checksums, and each missing one would otherwise print a warning with a stack trace.
     */
    private Path writeSettings() throws IOException {
        String url = outerRepository.toUri().toString();
        String repository = "<id>central</id><url>" + url + "</url>"
                + "<releases><checksumPolicy>ignore</checksumPolicy></releases><snapshots><enabled>false</enabled></snapshots>";
        String xml = "<settings>\n"
                + "  <mirrors><mirror><id>outer</id><mirrorOf>*</mirrorOf><url>" + url + "</url></mirror></mirrors>\n"
                + "  <profiles><profile><id>outer</id>\n"
                + "    <repositories><repository>" + repository + "</repository></repositories>\n"
                + "    <pluginRepositories><pluginRepository>" + repository + "</pluginRepository></pluginRepositories>\n"
                + "  </profile></profiles>\n"
                + "  <activeProfiles><activeProfile>outer</activeProfile></activeProfiles>\n"
                + "</settings>\n";
        Path settings = work.resolve("settings.xml");
        Files.writeString(settings, xml);
        return settings;
    }

    /** {@code bin/} copied, {@code lib/} and {@code conf/} linked to the real distribution, {@code plugins/} with the jar alone. */
    private Path layOutDistribution(Path pluginJar) throws IOException {
        Path real = distribution;
        if (!Files.isRegularFile(real.resolve("bin/meta4j")) || !Files.isDirectory(real.resolve("lib"))) {
            fail(real + " is not a built distribution: this test runs after `package` (run it with `mvn -B verify`)");
        }
        Path home = work.resolve("meta4j");
        deleteTree(home);
        Files.createDirectories(home.resolve("bin"));
        Path launcher = home.resolve("bin/meta4j");
        Files.copy(real.resolve("bin/meta4j"), launcher);
        assertTrue(launcher.toFile().setExecutable(true), "chmod +x " + launcher);
        Files.createSymbolicLink(home.resolve("lib"), real.resolve("lib").toAbsolutePath());
        Files.createSymbolicLink(home.resolve("conf"), real.resolve("conf").toAbsolutePath());
        Files.createDirectories(home.resolve("plugins"));
        Files.copy(pluginJar, home.resolve("plugins").resolve(pluginJar.getFileName()));
        return home;
    }

    /** Runs the distribution's launcher in a fresh process, from the work folder (which has no ./plugins). */
    private Cli cli(Path home, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("bin/meta4j").toString());
        cmd.addAll(List.of(args));
        Path out = work.resolve("cli.out");
        int rc = run(work, out, CLI_TIMEOUT_S, Map.of("META4J_JAVA_OPTS", "-Xmx1g"), cmd.toArray(String[]::new));
        String text = Files.readString(out);
        return new Cli(rc, text, ""); // one stream: the launcher's stdout and stderr interleaved
    }

    private String mavenCommand() {
        Path mvn = Path.of(property("meta4j.it.mavenHome"), "bin", "mvn");
        return Files.isExecutable(mvn) ? mvn.toString() : "mvn";
    }

    /**
     * Runs a command with this JVM's Java, stdout and stderr into one file, and returns its exit
     * code; a command still running at the timeout is killed and fails the test.
     */
    private static int run(Path dir, Path output, long timeoutSeconds, Map<String, String> env, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("META4J_HOME");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s; output so far:\n"
                    + tail(Files.readString(output), 40));
        }
        return p.exitValue();
    }

    /** The number of the example's tests that ran, all passing, from its surefire reports. */
    private static int exampleTestsRun(Path project) throws IOException {
        Path reports = project.resolve("target/surefire-reports");
        int total = 0;
        Pattern counts = Pattern.compile("<testsuite[^>]*?tests=\"(\\d+)\"[^>]*?failures=\"(\\d+)\"");
        try (Stream<Path> files = Files.list(reports)) {
            for (Path xml : (Iterable<Path>) files.filter(f -> f.getFileName().toString().endsWith(".xml"))::iterator) {
                String text = Files.readString(xml);
                Matcher m = counts.matcher(text);
                assertTrue(m.find(), "a surefire report: " + xml);
                assertEquals("0", m.group(2), xml.toString());
                total += Integer.parseInt(m.group(1));
            }
        }
        return total;
    }

    private static String property(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank() || v.startsWith("${")) {
            fail("system property " + name + " is not set: run this test through Maven (distribution's pom sets it)");
        }
        return v;
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static String grep(String text, String needle, String alsoNeedle) {
        return String.join("\n", text.lines().filter(l -> l.contains(needle) && l.contains(alsoNeedle)).limit(20).toList());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path rel = from.relativize(p);
                if (rel.getNameCount() > 0 && rel.getName(0).toString().equals("target")) {
                    continue; // a developer's own build of the example stays out of the copy
                }
                Path dest = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
    }

    /** Deletes a folder tree; symbolic links are removed, never followed. */
    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw new UncheckedIOException(e);
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
