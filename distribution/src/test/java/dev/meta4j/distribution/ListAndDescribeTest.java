package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shipped distribution lists every built-in plugin under its kind and describes its settings. */
class ListAndDescribeTest {

    private static final Map<String, List<String>> BUILT_INS = Map.of(
            "algorithm", List.of("maml", "mamlpp", "multitask", "protonet", "mtl", "metaoptnet", "reptile"),
            "weighting", List.of("ls", "scaleinvls", "rlw", "dwa", "uw", "famo", "mgda", "pcgrad", "cagrad", "imtl",
                    "nashmtl"),
            "dataset", List.of("sine", "multi-fashion", "fashion-mnist-episodes", "omniglot", "mini-imagenet",
                    "tiered-imagenet", "cifar-fs", "fc100", "nyuv2", "cityscapes", "celeba", "qm9"),
            "model", List.of("mlp", "lenet-hps", "conv4", "resnet12", "wrn28-10", "mtan-segnet", "segnet-split",
                    "celeba-cnn", "qm9-mpnn"),
            "optimizer", List.of("sgd", "sgdw", "sgdp", "adam", "adamw", "adamax", "radam", "adabound", "adamp"),
            "scheduler", List.of("constant", "step", "cosine", "plateau", "piecewise"));

    @Test
    void listShowsEveryBuiltInUnderItsKindWithASummary() {
        Cli list = Cli.run("list");
        assertEquals(0, list.exitCode(), list.toString());
        for (Map.Entry<String, List<String>> kind : BUILT_INS.entrySet()) {
            String section = section(list.out(), kind.getKey());
            for (String name : kind.getValue()) {
                Matcher line = Pattern.compile("(?m)^\\s+" + Pattern.quote(name) + "\\s+(\\S.*)$").matcher(section);
                assertTrue(line.find(), kind.getKey() + " '" + name + "' missing from:\n" + section);
                assertTrue(line.group(1).length() > 10, "no summary for " + name + ": " + line.group());
            }
        }
    }

    @Test
    void describeNashMtlPrintsItsDocumentedDefaults() {
        Cli describe = Cli.run("describe", "nashmtl");
        assertEquals(0, describe.exitCode(), describe.toString());
        for (String key : List.of("update-weights-every=1", "optim-niter=20", "max-norm=1", "# At most this many convex sub-problems")) {
            assertTrue(describe.out().contains(key), key + " missing from:\n" + describe.out());
        }
    }

    @Test
    void describeMtlSaysItIsTheFewShotLearnerAndNotMultitask() {
        Cli describe = Cli.run("describe", "mtl");
        assertEquals(0, describe.exitCode(), describe.toString());
        for (String key : List.of("meta-batch=6", "norm-train-features=false", "logreg-c=3", "logreg-max-iter=1000",
                "test-episodes=2000", "'multitask'")) {
            assertTrue(describe.out().contains(key), key + " missing from:\n" + describe.out());
        }
    }

    @Test
    void describeMamlppPrintsEverySwitchWithTheOfficialDefault() {
        Cli describe = Cli.run("describe", "mamlpp");
        assertEquals(0, describe.exitCode(), describe.toString());
        for (String key : List.of("msl=true", "msl-epochs=10", "first-order-to-second-order-epoch=-1",
                "per-step-bn-weights=true", "per-step-bn-stats=true", "learnable-inner-lr=true", "bn-mode=", "transductive",
                "ensemble-top-k=5", "# BNRS")) {
            assertTrue(describe.out().contains(key), key + " missing from:\n" + describe.out());
        }
    }

    @Test
    void describeMetaOptNetPrintsItsHeadsAndTheOfficialDefaults() {
        Cli describe = Cli.run("describe", "metaoptnet");
        assertEquals(0, describe.exitCode(), describe.toString());
        for (String key : List.of("head=svm", "svm-c=0.1", "ridge-lambda=50", "episodes-per-step=8", "@oneof svm, ridge, protonet",
                "qpth")) {
            assertTrue(describe.out().replace(" = ", "=").contains(key), key + " missing from:\n" + describe.out());
        }
    }

    @Test
    void describeReptileShowsItsInnerOptimizerSlot() {
        Cli describe = Cli.run("describe", "reptile");
        assertEquals(0, describe.exitCode(), describe.toString());
        for (String key : List.of("@plugin optimizer", "inner-optimizer", "beta1=0", "inner-iters=5", "meta-step-final=",
                "transductive=false", "test-tasks=600")) {
            assertTrue(describe.out().contains(key), key + " missing from:\n" + describe.out());
        }
    }

    @Test
    void describeOfAnUnknownNameSuggestsTheClosest() {
        Cli describe = Cli.run("describe", "nashmt");
        assertEquals(2, describe.exitCode(), describe.toString());
        assertTrue(describe.err().contains("nashmtl"), describe.err());
    }

    /** The lines of one kind's block of {@code meta4j list}. */
    private static String section(String out, String kind) {
        int start = out.indexOf(kind + " (");
        assertTrue(start >= 0, "no '" + kind + "' section in:\n" + out);
        int end = out.indexOf("\n\n", start);
        return end < 0 ? out.substring(start) : out.substring(start, end);
    }
}
