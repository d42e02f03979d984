package dev.meta4j.api.autograd;

/** What {@link Autograd#grad} does with the graph that it differentiates. */
public enum GraphMode {
    /** Frees the graph after the call: the last gradient of a step. */
    RELEASE,
    /** Keeps the graph for further calls on the same output (per-task gradients). */
    RETAIN,
    /**
     * Records the gradient computation itself, so that the returned gradients can be
     * differentiated again (second-order MAML); implies {@link #RETAIN}.
     */
    CREATE
}
