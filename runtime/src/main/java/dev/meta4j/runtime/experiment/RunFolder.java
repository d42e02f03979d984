package dev.meta4j.runtime.experiment;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The folder of one run: {@code <output-dir>/<name>/<timestamp>/} with {@code config.conf},
 * {@code metrics.jsonl}, {@code checkpoints/{last,last.prev,best}}, {@code summary.json},
 * {@code run.log}, PNG plots, and {@code .lock}, locked by the process working on the run.
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
        Path dir = base.resolve(stamp);
        try {
            Files.createDirectories(base);
            for (int i = 2; ; i++) {
                try {
                    Files.createDirectory(dir);
                    break;
                } catch (FileAlreadyExistsException e) {
                    dir = base.resolve(stamp + "-" + i);
                }
            }
            Files.createDirectories(dir.resolve("checkpoints"));
        } catch (IOException e) {
            throw new IOException("cannot create the run folder " + dir + " (experiment.output-dir = " + outputDir
                    + "): " + why(e), e);
        }
        return new RunFolder(dir);
    }

    /**
     * Why a file operation failed, in words: Java's file-system exceptions often carry only the
     * path in their message.
     *
     * @param e the failure
     * @return a short reason, with the path it concerns
     */
    private static String why(IOException e) {
        String kind;
        if (e instanceof AccessDeniedException) {
            kind = "permission denied";
        } else if (e instanceof FileAlreadyExistsException) {
            kind = "a file of that name is in the way";
        } else if (e instanceof NoSuchFileException) {
            kind = "no such file or folder";
        } else if (e instanceof NotDirectoryException) {
            kind = "not a folder";
        } else if (e instanceof FileSystemException f && f.getReason() != null) {
            kind = f.getReason();
        } else {
            kind = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return e instanceof FileSystemException f && f.getFile() != null ? kind + ": " + f.getFile() : kind;
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

    /** @return the checkpoint that {@code last} replaced, kept in case {@code last} is damaged */
    public Path previousCheckpoint() {
        return dir.resolve("checkpoints").resolve("last.prev");
    }

    /** @return the file whose lock marks the run as in use by a process */
    public Path lockFile() {
        return dir.resolve(".lock");
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

    private static int deleteTemps(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        int n = 0;
        try (var files = Files.newDirectoryStream(folder, "*.tmp")) {
            for (Path f : files) {
                n += Files.deleteIfExists(f) ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * Deletes the temporary files of writes that a crash interrupted, in the folder and its
     * {@code checkpoints}. Only for a folder this process holds the {@link #lock} of.
     *
     * @return how many were deleted
     * @throws IOException if a folder cannot be listed
     */
    public int deleteStaleTemps() throws IOException {
        return deleteTemps(dir) + deleteTemps(dir.resolve("checkpoints"));
    }

    /**
     * Whether {@code summary.json} says the run finished.
     *
     * @return true if it did
     */
    public boolean finished() {
        try {
            return Files.isRegularFile(summary()) && "finished".equals(JsonParser
                    .parseString(Files.readString(summary())).getAsJsonObject().get("status").getAsString());
        } catch (IOException | RuntimeException e) {
            return false; // a damaged summary is rewritten by resuming
        }
    }

    /**
     * Takes the folder for this process, so that a second {@code run --resume} (or a suite) of
     * the same folder fails at once instead of training beside it. The operating system drops
     * the lock when the process ends, however it ends.
     *
     * @return the lock, to be closed when the run ends
     * @throws IllegalStateException if another process (or this one) holds it
     * @throws IOException if the lock file cannot be written
     */
    public Lock lock() throws IOException {
        FileChannel ch = FileChannel.open(lockFile(),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new IllegalStateException("run folder " + dir + " is in use by another meta4j process"
                    + " (it holds " + lockFile() + "); wait for it to end, or stop it first");
        }
        return new Lock(ch);
    }

    /** A held {@link #lock}. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;

        private Lock(FileChannel channel) {
            this.channel = channel;
        }

        /** Releases the lock (closing the channel releases it). */
        @Override
        public void close() throws IOException {
            channel.close();
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
