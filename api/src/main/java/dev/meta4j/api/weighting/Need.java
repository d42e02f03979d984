package dev.meta4j.api.weighting;

/** What a weighting method needs to see in a step; each level costs more than the last. */
public enum Need {
    /** The task losses alone: one backward pass of a combined objective. */
    LOSSES,
    /**
     * Per-task gradients of the shared parameters, flattened into a {@code [K, P]} matrix: one
     * backward pass per task.
     */
    SHARED_GRADIENTS,
    /**
     * Per-task gradients of the shared representation (the encoder's output), flattened into a
     * {@code [K, R]} matrix, and the representation itself: one cheap backward pass per task
     * through its head only (which also yields the head's own gradient), then one backward pass
     * through the encoder, of the combined objective (MGDA-UB) or of the returned representation
     * gradient (GradDrop).
     */
    REPRESENTATION_GRADIENTS
}
