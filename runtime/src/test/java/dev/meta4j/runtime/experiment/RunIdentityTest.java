package dev.meta4j.runtime.experiment;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Where a run executes never makes it another experiment; what it computes always does. */
class RunIdentityTest {

    private static final String BASE = """
            # a comment that render() writes
            experiment { name = a, seed = 0, device = cpu, threads = 1, plots = true, checkpoint-every = 0 }
            optimizer { type = adam, lr = 0.001 }
            """;

    @Test
    void placementKeysDoNotChangeTheExperiment() {
        assertTrue(RunIdentity.sameExperiment(BASE, BASE));
        assertTrue(RunIdentity.sameExperiment(BASE, BASE.replace("threads = 1", "threads = 2")));
        assertTrue(RunIdentity.sameExperiment(BASE, BASE.replace("plots = true", "plots = false")
                .replace("checkpoint-every = 0", "checkpoint-every = 5")));
        assertTrue(RunIdentity.sameExperiment(BASE, "experiment {\n name = a\n seed = 0\n device = cpu\n threads = 7 }\n"
                + "optimizer { lr = 1e-3, type = adam }"), "formatting, order and comments are not content");
        String cuda = BASE.replace("device = cpu", "device = \"cuda:0\"");
        assertTrue(RunIdentity.sameExperiment(cuda, cuda.replace("cuda:0", "cuda:3")), "the index of a GPU is placement");
        assertTrue(RunIdentity.sameExperiment(cuda, BASE.replace("device = cpu", "device = cuda")));
    }

    @Test
    void whatTheRunComputesDoes() {
        assertFalse(RunIdentity.sameExperiment(BASE, BASE.replace("seed = 0", "seed = 1")));
        assertFalse(RunIdentity.sameExperiment(BASE, BASE.replace("lr = 0.001", "lr = 0.01")));
        assertFalse(RunIdentity.sameExperiment(BASE, BASE.replace("device = cpu", "device = cuda")), "cpu is not cuda");
        assertFalse(RunIdentity.sameExperiment(BASE, BASE + "weighting { type = ls }"));
        assertFalse(RunIdentity.sameExperiment(BASE, "experiment { name = "), "a torn file is never the same");
    }
}
