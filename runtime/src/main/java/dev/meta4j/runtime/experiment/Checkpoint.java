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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A checkpoint file: a zip of {@code state.json} (format, step, numbers, integers, run
 * bookkeeping) and {@code arrays.ndlist} (the named arrays in DJL's NDList encoding).
 *
 * <p>Written atomically: into a temporary file beside the target, forced to disk, then renamed
 * over it, so a crash at any moment leaves the previous checkpoint intact.
 */
public final class Checkpoint {

    static final String FORMAT = "meta4j-checkpoint/1";
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
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE);
                    ZipOutputStream zip = new ZipOutputStream(out)) {
                zip.putNextEntry(new ZipEntry("state.json"));
                zip.write(GSON.toJson(json).getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
                zip.putNextEntry(new ZipEntry("arrays.ndlist"));
                zip.write(arrays.encode());
                zip.closeEntry();
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            RunFolder.readableByAll(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
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

    /**
     * Reads a checkpoint.
     *
     * @param file the file
     * @param manager where the arrays are created
     * @return the contents
     * @throws IOException naming the file and what was expected, if it is missing or malformed
     */
    public static Contents read(Path file, NDManager manager) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no checkpoint at " + file + " (expected a file written by meta4j run)");
        }
        byte[] json = null;
        byte[] arrays = null;
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                zip.transferTo(buf);
                if (e.getName().equals("state.json")) {
                    json = buf.toByteArray();
                } else if (e.getName().equals("arrays.ndlist")) {
                    arrays = buf.toByteArray();
                }
            }
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
}
