package dev.meta4j.runtime.engine;

import dev.meta4j.api.autograd.Autograd;

/**
 * Whether the operations recorded on this thread will be differentiated twice ({@link
 * TorchAutograd#record(dev.meta4j.api.autograd.GraphMode)} with {@code CREATE}), so that {@link
 * TorchConvolution} builds its CPU convolutions from operations whose double backward is exact.
 */
final class HigherOrder {

    private static final ThreadLocal<Boolean> ACTIVE = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private HigherOrder() {}

    /** @return whether this thread records for second-order gradients */
    static boolean active() {
        return ACTIVE.get();
    }

    /**
     * Sets the mode until the scope is closed; closing restores the previous one, so scopes nest.
     *
     * @param twice whether the recorded operations will be differentiated twice
     * @return the scope to close
     */
    static Autograd.Scope enter(boolean twice) {
        boolean previous = ACTIVE.get();
        ACTIVE.set(twice);
        return () -> ACTIVE.set(previous);
    }
}
