package dev.meta4j.runtime.toy;

import java.util.Map;
import java.util.Optional;

/**
 * What the papers report for the toy study, where they state it.
 *
 * <p>Source: FAMO (Liu, Feng, Stone &amp; Liu, NeurIPS 2023), Figure 1, whose caption (also the
 * FAMO repository's README) reads: "the loss trajectories of different MTL methods. ADAM fails in
 * 1 out of 5 runs to reach the Pareto front due to CG. FAMO decreases task losses in a balanced
 * way". The figure runs 50,000 steps of each method its repository plots for the toy (LS, i.e.
 * Adam on the summed loss, MGDA, PCGrad, CAGrad, Nash-MTL, FAMO) from the five starting points;
 * only Adam is said to fail. The CAGrad paper's own toy figure uses the unscaled problem and
 * three other starting points, and is not comparable run by run. Methods that neither paper
 * runs on the toy (scale-invariant LS, RLW, DWA, UW, IMTL-G) have no reported outcome.
 *
 * <p>One protocol detail matters: the FAMO script clips the update of PCGrad and CAGrad to norm 1
 * ({@code clip_grad_norm_} in their {@code backward}, after the gradient is set; for the methods
 * that return a loss the same call comes before {@code loss.backward()} and does nothing), while
 * meta4j's PCGrad and CAGrad, like the Nash-MTL repository's, do not clip. {@code --max-grad-norm
 * pcgrad=1,cagrad=1} reproduces the FAMO script.
 */
public final class PaperOutcomes {

    private static final String FAIL_ONE = "4/5 (FAMO Fig. 1: \"ADAM fails in 1 out of 5 runs\")";
    private static final String ALL = "5/5 (FAMO Fig. 1: not reported failing)";
    private static final String ALL_CLIPPED =
            "5/5 (FAMO Fig. 1: not reported failing; its script clips this update to norm 1)";

    private static final Map<String, String> REPORTED = Map.of(
            "ls", FAIL_ONE,
            "mgda", ALL,
            "pcgrad", ALL_CLIPPED,
            "cagrad", ALL_CLIPPED,
            "nashmtl", ALL,
            "famo", ALL + "; balanced");

    private static final Map<String, Integer> COUNTS = Map.of(
            "ls", 4, "mgda", 5, "pcgrad", 5, "cagrad", 5, "nashmtl", 5, "famo", 5);

    private PaperOutcomes() {}

    /**
     * The reported outcome of a method, in words.
     *
     * @param method the method's name
     * @return the outcome, or empty where the papers do not run the method on the toy
     */
    public static Optional<String> reported(String method) {
        return Optional.ofNullable(REPORTED.get(method));
    }

    /**
     * The reported number of runs (of 5) that reach the Pareto front.
     *
     * @param method the method's name
     * @return the count, or empty where the papers do not say
     */
    public static Optional<Integer> reportedCount(String method) {
        return Optional.ofNullable(COUNTS.get(method));
    }
}
