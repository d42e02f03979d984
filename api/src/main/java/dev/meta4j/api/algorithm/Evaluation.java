package dev.meta4j.api.algorithm;

import java.util.List;

/**
 * The outcome of an evaluation.
 *
 * @param metrics the numbers; a mean over tasks or examples comes with its 95% confidence
 *     half-width under the same name plus {@code -ci95}
 * @param figures plots worth saving with the run (may be empty)
 */
public record Evaluation(Metrics metrics, List<Figure> figures) {
    /** Copies the list. */
    public Evaluation {
        figures = List.copyOf(figures);
    }

    /**
     * An evaluation without figures.
     *
     * @param metrics the numbers
     * @return the evaluation
     */
    public static Evaluation of(Metrics metrics) {
        return new Evaluation(metrics, List.of());
    }
}
