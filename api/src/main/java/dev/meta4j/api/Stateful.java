package dev.meta4j.api;

/**
 * Something whose state must survive a checkpoint for a resumed run to continue exactly:
 * optimizer moments, a weighting method's task logits, a scheduler's plateau counter.
 */
public interface Stateful {

    /**
     * Writes the state under keys of the implementation's choosing.
     *
     * @param state where to write
     */
    void saveState(StateDict state);

    /**
     * Restores what {@link #saveState} wrote.
     *
     * @param state where to read from
     * @throws IllegalStateException if an expected key is missing
     */
    void loadState(StateDict state);
}
