package dev.meta4j.runtime.plugin;

/** A plugin cannot be found, loaded or created; the message says what was expected and where. */
public final class PluginError extends RuntimeException {
    /**
     * Creates the error.
     *
     * @param message what went wrong, where, and what to do
     */
    public PluginError(String message) {
        super(message);
    }

    /**
     * Creates the error with a cause.
     *
     * @param message what went wrong, where, and what to do
     * @param cause the underlying failure
     */
    public PluginError(String message, Throwable cause) {
        super(message, cause);
    }
}
