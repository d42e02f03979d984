package dev.meta4j.datasets.mtl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The molecules of an MDL SD file in the V2000 format (the CTfile specification), as much of it
 * as QM9 needs: each record's title, atoms (symbol and 3D position) and bonds (two atoms and a
 * type). Fixed columns as the specification defines them: the counts line gives the atom count
 * in columns 1-3 and the bond count in 4-6 and says {@code V2000}; an atom line has x, y, z in
 * columns 1-10, 11-20, 21-30 and the symbol in 32-34; a bond line has its atoms in 1-3 and 4-6 and
 * its type in 7-9 (1 single, 2 double, 3 triple, 4 aromatic). Property lines up to {@code M  END}
 * and data items up to {@code $$$$} are skipped. A record that does not parse is reported with
 * the file, the line and the record's title.
 */
final class Sdf {

    /**
     * One molecule.
     *
     * @param title the record's first line ({@code gdb_1})
     * @param line the line the record starts on (1-based)
     * @param symbols the atoms' element symbols
     * @param positions x, y, z of each atom, in the file's units (Å)
     * @param bondFrom each bond's first atom (0-based)
     * @param bondTo each bond's second atom (0-based)
     * @param bondType each bond's type, 1..4
     */
    record Molecule(String title, int line, String[] symbols, double[] positions, int[] bondFrom, int[] bondTo,
            int[] bondType) {
        int atoms() {
            return symbols.length;
        }
    }

    private Sdf() {}

    /**
     * Reads every record of a file.
     *
     * @param file the SD file
     * @param each receives the molecules in file order
     * @return the number of records
     * @throws IllegalArgumentException for a record that does not parse, naming the file and line
     */
    static int read(Path file, Consumer<Molecule> each) {
        int records = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            Reader in = new Reader(file, r);
            while (true) {
                String title = in.next();
                if (title == null) {
                    break;
                }
                int start = in.number;
                if (title.isBlank() && in.onlyBlankLinesLeft()) {
                    break; // trailing blank lines, not a record with an empty title
                }
                each.accept(record(in, title.strip(), start));
                records++;
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return records;
    }

    /** Lines with their numbers. */
    private static final class Reader {
        final Path file;
        final BufferedReader r;
        int number;

        Reader(Path file, BufferedReader r) {
            this.file = file;
            this.r = r;
        }

        String next() throws IOException {
            String line = r.readLine();
            if (line != null) {
                number++;
            }
            return line;
        }

        /** Whether only blank lines remain; reads nothing if not (within 1 MiB of blank lines). */
        boolean onlyBlankLinesLeft() throws IOException {
            r.mark(1 << 20);
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isBlank()) {
                    r.reset();
                    return false;
                }
            }
            return true;
        }

        IllegalArgumentException error(String title, String what) {
            return new IllegalArgumentException(file + ":" + number + ": record '" + title + "': " + what);
        }
    }

    private static Molecule record(Reader in, String title, int start) throws IOException {
        String program = in.next();
        String comment = in.next();
        String counts = in.next();
        if (program == null || comment == null || counts == null) {
            throw in.error(title, "the file ends inside the record's header; expected a title, a program line, a"
                    + " comment line and a counts line");
        }
        if (counts.contains("V3000")) {
            throw in.error(title, "a V3000 connection table; expected V2000");
        }
        int atoms = field(in, title, counts, 0, 3, "atom count of the counts line");
        int bonds = field(in, title, counts, 3, 6, "bond count of the counts line");
        if (atoms < 1) {
            throw in.error(title, "the counts line '" + counts + "' gives " + atoms + " atoms");
        }
        String[] symbols = new String[atoms];
        double[] pos = new double[3 * atoms];
        for (int a = 0; a < atoms; a++) {
            String line = in.next();
            if (line == null || line.startsWith("M  END") || line.startsWith("$$$$")) {
                throw in.error(title, "the record ends after " + a + " of its " + atoms + " atoms");
            }
            for (int d = 0; d < 3; d++) {
                pos[3 * a + d] = decimal(in, title, line, 10 * d, 10 * d + 10, "coordinate " + "xyz".charAt(d)
                        + " of atom " + (a + 1));
            }
            if (line.length() < 32) {
                throw in.error(title, "atom line '" + line + "' has no element symbol (columns 32-34)");
            }
            symbols[a] = line.substring(31, Math.min(34, line.length())).strip();
            if (symbols[a].isEmpty()) {
                throw in.error(title, "atom line '" + line + "' has no element symbol (columns 32-34)");
            }
        }
        int[] from = new int[bonds];
        int[] to = new int[bonds];
        int[] type = new int[bonds];
        for (int b = 0; b < bonds; b++) {
            String line = in.next();
            if (line == null || line.startsWith("M  END") || line.startsWith("$$$$")) {
                throw in.error(title, "the record ends after " + b + " of its " + bonds + " bonds");
            }
            from[b] = field(in, title, line, 0, 3, "first atom of bond " + (b + 1)) - 1;
            to[b] = field(in, title, line, 3, 6, "second atom of bond " + (b + 1)) - 1;
            type[b] = field(in, title, line, 6, 9, "type of bond " + (b + 1));
            if (from[b] < 0 || from[b] >= atoms || to[b] < 0 || to[b] >= atoms || from[b] == to[b]) {
                throw in.error(title, "bond line '" + line + "' joins atoms " + (from[b] + 1) + " and " + (to[b] + 1)
                        + "; expected two different atoms of the " + atoms);
            }
            if (type[b] < 1 || type[b] > 4) {
                throw in.error(title, "bond line '" + line + "' has type " + type[b]
                        + "; expected 1 (single), 2 (double), 3 (triple) or 4 (aromatic)");
            }
        }
        // Properties up to M  END, then data items up to $$$$.
        boolean ended = false;
        for (String line; (line = in.next()) != null; ) {
            if (line.startsWith("M  END")) {
                ended = true;
            } else if (line.startsWith("$$$$")) {
                if (!ended) {
                    throw in.error(title, "'$$$$' before 'M  END'");
                }
                return new Molecule(title, start, symbols, pos, from, to, type);
            } else if (!ended && !line.startsWith("M  ") && !line.startsWith("A  ") && !line.startsWith("V  ")
                    && !line.startsWith("G  ") && !line.startsWith("S  ")) {
                throw in.error(title, "unexpected line '" + line + "' after the bond block; expected property"
                        + " lines and 'M  END' (is the counts line's bond count right?)");
            }
        }
        throw in.error(title, "the file ends inside the record; expected 'M  END' and '$$$$'");
    }

    private static int field(Reader in, String title, String line, int from, int to, String what) {
        String s = line.length() >= to ? line.substring(from, to) : line.length() > from ? line.substring(from) : "";
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw in.error(title, "'" + s + "' in columns " + (from + 1) + "-" + to + " of '" + line
                    + "' is not the " + what);
        }
    }

    private static double decimal(Reader in, String title, String line, int from, int to, String what) {
        String s = line.length() >= to ? line.substring(from, to) : "";
        try {
            double v = Double.parseDouble(s.strip());
            if (!Double.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw in.error(title, "'" + s + "' in columns " + (from + 1) + "-" + to + " of '" + line
                    + "' is not the " + what);
        }
    }
}
