package dev.meta4j.runtime.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The folder of one run: {@code <output-dir>/<name>/<timestamp>/} with {@code config.conf},
 * {@code metrics.jsonl}, {@code checkpoints/{last,best}}, {@code summary.json}, {@code run.log}
 * and PNG plots.
 */
public record RunFolder(Path dir) {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /**
     * Creates a new, empty run folder.
     *
     * @param outputDir the experiments' output folder
     * @param name the experiment's name
     * @return the folder
     * @throws IOException if it cannot be created
     */
    public static RunFolder create(Path outputDir, String name) throws IOException {
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
        String stamp = LocalDateTime.now().format(STAMP);
        Path base = outputDir.resolve(safe);
        Files.createDirectories(base);
        Path dir = base.resolve(stamp);
        for (int i = 2; ; i++) {
            try {
                Files.createDirectory(dir);
                break;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                dir = base.resolve(stamp + "-" + i);
            }
        }
        Files.createDirectories(dir.resolve("checkpoints"));
        return new RunFolder(dir);
    }

    /** @return the resolved config file */
    public Path config() {
        return dir.resolve("config.conf");
    }

    /** @return the metrics log */
    public Path metrics() {
        return dir.resolve("metrics.jsonl");
    }

    /** @return the latest checkpoint */
    public Path lastCheckpoint() {
        return dir.resolve("checkpoints").resolve("last");
    }

    /** @return the checkpoint with the best validation score */
    public Path bestCheckpoint() {
        return dir.resolve("checkpoints").resolve("best");
    }

    /** @return the summary */
    public Path summary() {
        return dir.resolve("summary.json");
    }

    /** @return the log file */
    public Path log() {
        return dir.resolve("run.log");
    }

    /**
     * A plot file.
     *
     * @param name the plot's base name
     * @return the PNG path
     */
    public Path plot(String name) {
        return dir.resolve(name + ".png");
    }

    /**
     * Gives a temporary file (created owner-only) the usual {@code rw-r--r--} mode, where the
     * file system has POSIX modes.
     *
     * @param file the file
     * @throws IOException if the mode cannot be set
     */
    static void readableByAll(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep the default
        }
    }

    /**
     * Writes a text file atomically (temporary file, then rename).
     *
     * @param file the target
     * @param text the content
     * @throws IOException if writing fails
     */
    public static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            readableByAll(tmp);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
