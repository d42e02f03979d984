package dev.meta4j.runtime.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * DJL logs at INFO how it finds and extracts the natives ("Found matching platform", "Extracting
 * jnilib") on every start. That is noise unless something is wrong, so {@code logback.xml} keeps
 * DJL at WARN and {@code --debug} turns it back up.
 */
final class EngineLogging {

    private EngineLogging() {}

    static void verbose(boolean debug) {
        if (LoggerFactory.getLogger("ai.djl") instanceof Logger djl) {
            djl.setLevel(debug ? Level.DEBUG : Level.WARN);
        }
    }
}
