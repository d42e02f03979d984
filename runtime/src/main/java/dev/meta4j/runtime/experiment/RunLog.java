package dev.meta4j.runtime.experiment;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/** Copies the log of a run into its folder ({@code run.log}) while the run lasts. */
public final class RunLog implements AutoCloseable {

    private final Logger root;
    private final FileAppender<ILoggingEvent> appender;

    private RunLog(Logger root, FileAppender<ILoggingEvent> appender) {
        this.root = root;
        this.appender = appender;
    }

    /**
     * Starts copying.
     *
     * @param file the log file (appended to)
     * @return the handle that stops copying
     */
    public static RunLog attach(Path file) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return new RunLog(null, null);
        }
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
        enc.start();
        FileAppender<ILoggingEvent> app = new FileAppender<>();
        app.setContext(ctx);
        app.setName("run-log");
        app.setFile(file.toString());
        app.setAppend(true);
        app.setEncoder(enc);
        app.start();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(app);
        return new RunLog(root, app);
    }

    /**
     * Records why the run failed, in {@code run.log} only: the command line prints the error on
     * the console itself, and a run folder without it would not say why it stopped.
     *
     * @param failure what ended the run
     */
    public void failed(Throwable failure) {
        if (root == null) {
            return;
        }
        String why = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        appender.doAppend(new LoggingEvent(RunLog.class.getName(), root, Level.ERROR, "run failed: " + why, null, null));
    }

    @Override
    public void close() {
        if (root != null) {
            root.detachAppender(appender);
            appender.stop();
        }
    }
}
