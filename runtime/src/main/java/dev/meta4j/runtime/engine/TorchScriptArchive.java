package dev.meta4j.runtime.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a TorchScript archive for a parameter-free module from its source, so that meta4j needs
 * no Python (and no binary blob) to make one.
 *
 * <p>The archive is what {@code torch.jit.save} writes for such a module: {@code code/__torch__.py}
 * (TorchScript source, compiled by libtorch when loaded), {@code data.pkl} (a pickle of the module
 * object: its class and a {@code training} flag), {@code constants.pkl} (an empty tuple) and
 * {@code version}. Entries are stored uncompressed, as libtorch's reader expects.
 */
final class TorchScriptArchive {

    private TorchScriptArchive() {}

    /**
     * Writes the archive.
     *
     * @param target the file to write
     * @param className the module's class, defined in {@code source}
     * @param source the TorchScript source of {@code __torch__}
     * @throws IOException if writing fails
     */
    static void write(Path target, String className, String source) throws IOException {
        String root = "archive/";
        try (OutputStream out = Files.newOutputStream(target);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            stored(zip, root + "data.pkl", modulePickle(className));
            stored(zip, root + "code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
            stored(zip, root + "constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            stored(zip, root + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static void stored(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(bytes.length);
        e.setCompressedSize(bytes.length);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(bytes);
        zip.closeEntry();
    }

    /** Pickle protocol 2 of {@code __torch__.<className>} with state {@code {training: True}}. */
    private static byte[] modulePickle(String className) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(0x80); // PROTO
        o.write(2);
        o.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL
        o.write(')'); // EMPTY_TUPLE
        o.write(0x81); // NEWOBJ
        o.write('}'); // EMPTY_DICT
        o.write('('); // MARK
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        o.write('X'); // BINUNICODE, 4-byte little-endian length
        o.write(key.length);
        o.write(0);
        o.write(0);
        o.write(0);
        o.writeBytes(key);
        o.write(0x88); // NEWTRUE
        o.write('u'); // SETITEMS
        o.write('b'); // BUILD
        o.write('.'); // STOP
        return o.toByteArray();
    }
}
