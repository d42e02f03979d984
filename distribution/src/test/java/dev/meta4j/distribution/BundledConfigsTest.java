package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meta4j.datasets.IdxFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bundled example config in {@code distribution/conf/} passes {@code validate}, which
 * creates every plugin as {@code run} does (those that read Fashion-MNIST on a generated folder).
 * Fragments that others include ({@code *-setup.conf}) are not whole experiments.
 */
class BundledConfigsTest {

    @TempDir static Path data;

    @BeforeAll
    static void fixture() {
        // multi-fashion holds out 10,000 training images for validation
        IdxFixtures.learnable(data.resolve("fashion"), 10_600, 300, 5);
    }

    private static boolean readsFashion(Path conf) throws IOException {
        String text = Files.readString(conf);
        return text.contains("fashion") && !text.contains("type = sine");
    }

    @Test
    void everyBundledConfigValidates() throws IOException {
        List<Path> configs;
        try (Stream<Path> files = Files.list(Path.of("conf"))) {
            configs = files.filter(p -> p.toString().endsWith(".conf") && !p.toString().endsWith("-setup.conf"))
                    .sorted().toList();
        }
        assertTrue(configs.size() >= 9, "bundled configs: " + configs);
        List<String> failures = new ArrayList<>();
        for (Path conf : configs) {
            List<String> args = new ArrayList<>(List.of("validate", "--config", conf.getFileName().toString()));
            if (readsFashion(conf)) {
                args.add("dataset.root=" + data.resolve("fashion"));
            }
            Cli v = Cli.run(args.toArray(String[]::new));
            if (v.exitCode() != 0) {
                failures.add(conf.getFileName() + ": " + v);
            }
        }
        assertEquals(List.of(), failures);
    }
}
