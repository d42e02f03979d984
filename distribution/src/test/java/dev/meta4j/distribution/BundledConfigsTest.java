package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meta4j.datasets.FewShotFixtures;
import dev.meta4j.datasets.IdxFixtures;
import dev.meta4j.datasets.OmniglotFixtures;
import dev.meta4j.datasets.mtl.DenseFixtures;
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
 * creates every plugin as {@code run} does: those that read Fashion-MNIST, Omniglot or
 * mini-ImageNet on a generated folder in that dataset's layout (the Omniglot fixture's MAML split
 * scaled to its 60 characters), the issue-10 benchmarks on fixtures in their exact on-disk formats
 * at the configs' own resolutions (288x384 NYUv2, 128x256 Cityscapes), the rendered scenes on a
 * folder that {@code meta4j make-scenes} writes; tiered-ImageNet, CIFAR-FS and FC100 on small
 * fixtures of Ren et al.'s pickles and CIFAR-100's binary files. Fragments that others include ({@code
 * *-setup.conf}) are not whole experiments.
 */
class BundledConfigsTest {

    @TempDir static Path data;

    @BeforeAll
    static void fixture() {
        // multi-fashion holds out 10,000 training images for validation
        IdxFixtures.learnable(data.resolve("fashion"), 10_600, 300, 5);
        OmniglotFixtures.write(data.resolve("omniglot"), 6, 10, 16, 7);
        // 21 images a class: MetaOptNet's training episodes take 15 shots + 6 queries
        FewShotFixtures.miniCsv(data.resolve("mini-imagenet"), new int[] {20, 5, 5}, 21, 84);
        FewShotFixtures.tieredPickles(data.resolve("tiered").resolve("tiered-imagenet"), new int[] {6, 5, 5}, 12, 84);
        // CIFAR-100's 100 classes, which cifar-fs and fc100 split by their shipped lists
        FewShotFixtures.cifarBinary(data.resolve("cifar"), 12);
        DenseFixtures.nyuv2(data.resolve("nyuv2"), 1, 1, 288, 384);
        DenseFixtures.cityscapes(data.resolve("cityscapes"), 1, 1, 128, 256);
        DenseFixtures.celeba(data.resolve("celeba"));
        DenseFixtures.qm9(data.resolve("qm9"));
        Cli scenes = Cli.run("make-scenes", "--out", data.resolve("scenes").toString(), "--train", "2", "--val", "2");
        assertEquals(0, scenes.exitCode(), scenes.toString());
    }

    /** The overrides that point a config at its dataset's fixture. */
    private static List<String> fixtureOverrides(Path conf) throws IOException {
        String text = Files.readString(conf);
        List<String> out = new ArrayList<>();
        if (text.contains("type = mtl") || text.contains("conf/mtl-")) {
            // 5 + 30 images a class at test, 5 + 35 in tiered training: more than the fixtures hold
            out.addAll(List.of("dataset.queries=5", "dataset.train-queries=5"));
        }
        out.addAll(datasetOverrides(conf, text));
        return out;
    }

    private static List<String> datasetOverrides(Path conf, String text) throws IOException {
        // before mini-ImageNet's test: these configs include mtl-miniimagenet-5w5s.conf
        if (text.contains("type = tiered-imagenet")) {
            return List.of("dataset.root=" + data.resolve("tiered"));
        }
        if (text.contains("type = cifar-fs") || text.contains("type = fc100")) {
            return List.of("dataset.root=" + data.resolve("cifar"));
        }
        // a config's own dataset, or the one of the config it includes (not a header's mention)
        if (text.contains("type = omniglot") || text.contains("conf/maml-omniglot")) {
            return List.of("dataset.root=" + data.resolve("omniglot"), "dataset.train-characters=30",
                    "dataset.validation-characters=10");
        }
        if (text.contains("type = mini-imagenet") || text.contains("miniimagenet-")) {
            return List.of("dataset.root=" + data.resolve("mini-imagenet"));
        }
        String name = conf.getFileName().toString();
        for (String dataset : List.of("nyuv2", "cityscapes", "celeba", "scenes")) {
            if (name.contains(dataset)) {
                return List.of("dataset.root=" + data.resolve(dataset));
            }
        }
        if (name.contains("qm9")) {
            // six fixture molecules, not 130,831: the splits' sizes shrink with them
            return List.of("dataset.root=" + data.resolve("qm9"), "dataset.test-size=1", "dataset.validation-size=1");
        }
        return readsFashion(conf) ? List.of("dataset.root=" + data.resolve("fashion")) : List.of();
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
            args.addAll(fixtureOverrides(conf));
            Cli v = Cli.run(args.toArray(String[]::new));
            if (v.exitCode() != 0) {
                failures.add(conf.getFileName() + ": " + v);
            }
        }
        assertEquals(List.of(), failures);
    }
}
