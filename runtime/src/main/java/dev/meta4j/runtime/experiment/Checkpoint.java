package dev.meta4j.runtime.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.meta4j.api.StateDict;
import java.io.ByteArrayInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A checkpoint file: one header line {@code meta4j-checkpoint/2 sha256=<hex> bytes=<n>}, then a
 * zip of {@code state.json} (format, step, numbers, integers, run bookkeeping) and
 * {@code arrays.ndlist} (the named arrays in DJL's NDList encoding).
 *
 * <p>Written atomically: into a temporary file beside the target, forced to disk, then renamed
 * over it, so a crash at any moment leaves the previous checkpoint intact. The header's checksum
 * is verified before anything is parsed, so a torn or bit-flipped file is reported as corrupt
 * (with its path) instead of as whatever the zip or JSON parser happens to trip over. Files of
 * the first format (a bare zip, no header) are still read.
 */
public final class Checkpoint {

    private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);
    static final String FORMAT = "meta4j-checkpoint/1";
    private static final String HEADER = "meta4j-checkpoint/2";
    /** A header line is far shorter; a longer first line means the file is not a checkpoint. */
    private static final int MAX_HEADER = 200;
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private Checkpoint() {}

    /**
     * Writes a checkpoint atomically.
     *
     * @param target the file
     * @param step the number of completed steps
     * @param state the state
     * @param bookkeeping extra values of the trainer (best score, ...)
     * @throws IOException if writing fails; the previous file is then untouched
     */
    public static void write(Path target, long step, StateDict state, Map<String, Object> bookkeeping)
            throws IOException {
        write(target, null, step, state, bookkeeping);
    }

    /**
     * Writes a checkpoint atomically, first keeping the file it replaces as {@code previous}, so
     * that a checkpoint found corrupt later still has a good predecessor.
     *
     * @param target the file
     * @param previous where the replaced file goes, or null to drop it
     * @param step the number of completed steps
     * @param state the state
     * @param bookkeeping extra values of the trainer (best score, ...)
     * @throws IOException if writing fails; the previous file is then untouched
     */
    public static void write(Path target, Path previous, long step, StateDict state, Map<String, Object> bookkeeping)
            throws IOException {
        Files.createDirectories(target.getParent());
        // The payload is encoded straight to disk, hashed on the way: MTAN's state (44M parameters
        // and Adam's two moments, about 0.5 GB) held as one byte[] while a ByteArrayOutputStream
        // doubled its buffer needed over 1 GB of heap. The header needs the payload's hash and
        // length, so the payload is written first and then copied behind the header.
        Path body = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp");
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp");
        try {
            MessageDigest sha = sha256();
            try (OutputStream out = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(body)), sha)) {
                payload(out, step, state, bookkeeping);
            }
            String head = HEADER + " sha256=" + HexFormat.of().formatHex(sha.digest()) + " bytes=" + Files.size(body) + "\n";
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE)) {
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                Files.copy(body, out);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            RunFolder.readableByAll(tmp);
            // Between these two renames only `previous` exists; readers fall back to it.
            if (previous != null && Files.exists(target)) {
                Files.move(target, previous, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(body);
            Files.deleteIfExists(tmp);
        }
        // No listing of the folder here: a write cleans up its own temporary file, and a crash's
        // leftovers are removed once, by RunFolder.deleteStaleTemps, when the run resumes.
    }

    private static void payload(OutputStream out, long step, StateDict state, Map<String, Object> bookkeeping)
            throws IOException {
        JsonObject json = new JsonObject();
        json.addProperty("format", FORMAT);
        json.addProperty("step", step);
        json.add("numbers", GSON.toJsonTree(state.numbers()));
        json.add("longs", GSON.toJsonTree(state.longs()));
        json.add("bookkeeping", GSON.toJsonTree(bookkeeping));
        NDList arrays = new NDList();
        for (Map.Entry<String, NDArray> e : state.arrays().entrySet()) {
            NDArray a = e.getValue();
            a.setName(e.getKey());
            arrays.add(a);
        }
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("state.json"));
            zip.write(GSON.toJson(json).getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("arrays.ndlist"));
            arrays.encode(zip); // array by array: never the whole state in one byte[]
            zip.closeEntry();
        }
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /**
     * What a checkpoint holds.
     *
     * @param step the number of completed steps
     * @param state the state, arrays in the given manager
     * @param bookkeeping the trainer's extra values
     */
    public record Contents(long step, StateDict state, JsonObject bookkeeping) {}

    /** The file is there but damaged: its checksum, header or contents do not check out. */
    public static final class Corrupt extends IOException {
        Corrupt(Path file, String why) {
            super("checkpoint " + file + " is corrupt (" + why + ")");
        }
    }

    /**
     * Reads a checkpoint.
     *
     * @param file the file
     * @param manager where the arrays are created
     * @return the contents
     * @throws Corrupt if the file is damaged
     * @throws IOException naming the file and what was expected, if it is missing or malformed
     */
    public static Contents read(Path file, NDManager manager) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no checkpoint at " + file + " (expected a file written by meta4j run)");
        }
        byte[] payload = verifiedPayload(file, Files.readAllBytes(file));
        byte[] json = null;
        byte[] arrays = null;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(payload))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                zip.transferTo(buf);
                if (e.getName().equals("state.json")) {
                    json = buf.toByteArray();
                } else if (e.getName().equals("arrays.ndlist")) {
                    arrays = buf.toByteArray();
                }
            }
        } catch (ZipException | java.io.EOFException e) {
            throw new Corrupt(file, "the zip inside does not read: " + e.getMessage());
        }
        if (json == null || arrays == null) {
            throw new IOException(file + " is not a meta4j checkpoint: expected a zip with state.json and"
                    + " arrays.ndlist");
        }
        JsonObject root;
        try {
            root = JsonParser.parseString(new String(json, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IOException(file + ": state.json is not valid JSON: " + e.getMessage(), e);
        }
        String format = root.has("format") ? root.get("format").getAsString() : "(none)";
        if (!FORMAT.equals(format)) {
            throw new IOException(file + ": checkpoint format '" + format + "', this meta4j reads " + FORMAT);
        }
        StateDict state = new StateDict(manager);
        for (var e : root.getAsJsonObject("numbers").entrySet()) {
            state.restoreNumbers(e.getKey(), GSON.fromJson(e.getValue(), double[].class));
        }
        for (var e : root.getAsJsonObject("longs").entrySet()) {
            state.restoreLong(e.getKey(), e.getValue().getAsLong());
        }
        for (NDArray a : NDList.decode(manager, arrays)) {
            state.restoreArray(a.getName(), a);
        }
        return new Contents(root.get("step").getAsLong(), state, root.getAsJsonObject("bookkeeping"));
    }

    /**
     * Reads the newest good checkpoint of a run: {@code last}, else the one it replaced
     * ({@code last.prev}), else {@code best}. Each one passed over is logged with its path and
     * why, and which one is used instead.
     *
     * @param folder the run
     * @param manager where the arrays are created
     * @return the contents, or null if the run has no checkpoint yet
     * @throws IOException if checkpoints exist but none of them can be read
     */
    public static Contents readNewest(RunFolder folder, NDManager manager) throws IOException {
        List<String> passedOver = new ArrayList<>();
        for (Path candidate : List.of(folder.lastCheckpoint(), folder.previousCheckpoint(), folder.bestCheckpoint())) {
            if (!Files.isRegularFile(candidate)) {
                continue;
            }
            try {
                Contents c = read(candidate, manager);
                for (String why : passedOver) {
                    LOG.warn("{}; using {} (step {})", why, candidate, c.step());
                }
                return c;
            } catch (IOException e) {
                passedOver.add(e.getMessage());
            }
        }
        if (passedOver.isEmpty()) {
            return null;
        }
        throw new IOException(String.join("; ", passedOver) + "; no usable checkpoint is left in "
                + folder.dir().resolve("checkpoints"));
    }

    /** The zip inside a checkpoint, after checking the header's length and checksum. */
    private static byte[] verifiedPayload(Path file, byte[] bytes) throws IOException {
        if (bytes.length >= 2 && bytes[0] == 'P' && bytes[1] == 'K') {
            return bytes; // the first format: a bare zip without a checksum
        }
        int nl = -1;
        for (int i = 0; i < Math.min(bytes.length, MAX_HEADER); i++) {
            if (bytes[i] == '\n') {
                nl = i;
                break;
            }
        }
        if (bytes.length == 0) {
            throw new Corrupt(file, "the file is empty");
        }
        String first = new String(bytes, 0, nl < 0 ? Math.min(bytes.length, MAX_HEADER) : nl, StandardCharsets.US_ASCII);
        if (nl < 0 && (first.startsWith(HEADER) || HEADER.startsWith(first))) {
            throw new Corrupt(file, "the header is cut short");
        }
        if (nl < 0 || !first.startsWith("meta4j-checkpoint/")) {
            throw new IOException(file + " is not a meta4j checkpoint: expected a zip with state.json and"
                    + " arrays.ndlist, or a " + HEADER + " header");
        }
        String[] fields = first.split(" ");
        if (!fields[0].equals(HEADER) || fields.length != 3 || !fields[1].startsWith("sha256=")
                || !fields[2].startsWith("bytes=")) {
            throw new IOException(file + ": checkpoint header '" + fields[0] + "', this meta4j reads " + HEADER);
        }
        byte[] payload = java.util.Arrays.copyOfRange(bytes, nl + 1, bytes.length);
        if (!fields[2].equals("bytes=" + payload.length)) {
            throw new Corrupt(file, "the header says " + fields[2].substring(6) + " bytes, the file holds "
                    + payload.length + " after it");
        }
        if (!fields[1].substring(7).equals(sha256(payload))) {
            throw new Corrupt(file, "checksum mismatch");
        }
        return payload;
    }
}
