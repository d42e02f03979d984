package dev.meta4j.runtime.experiment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGTERM and SIGINT into a request that the training loop honours at its next safe point
 * (after the current step, evaluation or test pass), instead of the JVM's immediate exit that
 * would lose everything since the last checkpoint. A second signal while the first is pending
 * ends the process at once: the user does not want to wait.
 *
 * <p>Installed only while a run trains (or, in a suite's parent process, while it waits for its
 * workers); before and after, the signals do what they did before.
 */
public final class StopSignals implements AutoCloseable {

    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private volatile Signal received;

    private StopSignals() {}

    /** @return the handlers, installed for SIGTERM and SIGINT where the platform has them */
    public static StopSignals install() {
        StopSignals s = new StopSignals();
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal signal = new Signal(name);
                s.previous.put(signal, Signal.handle(signal, s::onSignal));
            } catch (IllegalArgumentException e) {
                // unknown here, or reserved by the JVM (-Xrs): leave this signal as it is
            }
        }
        return s;
    }

    private void onSignal(Signal signal) {
        if (received != null) {
            Runtime.getRuntime().halt(exitCode(signal));
        }
        received = signal;
    }

    private static int exitCode(Signal signal) {
        return 128 + signal.getNumber();
    }

    /** @return the name of the signal received ({@code SIGTERM}), or null if none was */
    public String received() {
        Signal s = received;
        return s == null ? null : "SIG" + s.getName();
    }

    /** @return the conventional exit code for the signal received (143 for SIGTERM, 130 for SIGINT) */
    public int exitCode() {
        return exitCode(received);
    }

    @Override
    public void close() {
        previous.forEach(Signal::handle);
    }
}
