package dev.meta4j.datasets.mtl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QM9 on generated raw files (six molecules in a V2000 SD file, the CSV, an uncharacterized list
 * that drops one): PyG's target order and units, standardisation, atom and complete-graph edge
 * features in the padded layout, the seeded split, and the bad inputs.
 */
class Qm9Test {

    /** A fixture molecule: title, symbols, positions, bonds (from, to, type; 1-based). */
    record Mol(String symbols, double[] pos, int[][] bonds) {}

    static final List<Mol> MOLS = List.of(
            new Mol("C H H H H", new double[] {0, 0, 0, 0.63, 0.63, 0.63, -0.63, -0.63, 0.63, -0.63, 0.63, -0.63, 0.63,
                -0.63, -0.63}, new int[][] {{1, 2, 1}, {1, 3, 1}, {1, 4, 1}, {1, 5, 1}}),
            new Mol("N H H H", new double[] {0, 0, 0.1, 0.94, 0, -0.27, -0.47, 0.81, -0.27, -0.47, -0.81, -0.27},
                    new int[][] {{1, 2, 1}, {1, 3, 1}, {1, 4, 1}}),
            new Mol("O H H", new double[] {0, 0, 0, 0.76, 0.59, 0, -0.76, 0.59, 0}, new int[][] {{1, 2, 1}, {1, 3, 1}}),
            new Mol("C C H H", new double[] {0, 0, 0.6, 0, 0, -0.6, 0, 0, 1.66, 0, 0, -1.66},
                    new int[][] {{1, 2, 3}, {1, 3, 1}, {2, 4, 1}}),
            new Mol("C O H H", new double[] {0, 0, 0, 0, 0, 1.21, 0, 0.94, -0.59, 0, -0.94, -0.59},
                    new int[][] {{1, 2, 2}, {1, 3, 1}, {1, 4, 1}}),
            new Mol("C F H H H", new double[] {0, 0, 0, 0, 0, 1.38, 1.03, 0, -0.36, -0.51, 0.89, -0.36, -0.51, -0.89,
                -0.36}, new int[][] {{1, 2, 1}, {1, 3, 1}, {1, 4, 1}, {1, 5, 1}}));

    /** The uncharacterized molecule (1-based). */
    static final int DROPPED = 3;

    static PluginTestKit kit;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    static Path root;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT32, 5);
        root = fixture(shared.resolve("qm9"));
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    /** CSV column c (1..19, A..g298_atom) of molecule k (1-based). */
    static double csv(int k, int c) {
        return k * 100 + c + 0.25 * c / 19.0;
    }

    static String sdf(List<Mol> mols) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < mols.size(); k++) {
            Mol m = mols.get(k);
            String[] s = m.symbols.split(" ");
            b.append("gdb_").append(k + 1).append('\n').append("     RDKit          3D\n\n");
            b.append(String.format(Locale.ROOT, "%3d%3d  0  0  0  0  0  0  0  0999 V2000%n", s.length, m.bonds.length));
            for (int a = 0; a < s.length; a++) {
                b.append(String.format(Locale.ROOT, "%10.4f%10.4f%10.4f %-3s 0  0  0  0  0  0  0  0  0  0  0  0%n",
                        m.pos[3 * a], m.pos[3 * a + 1], m.pos[3 * a + 2], s[a]));
            }
            for (int[] bond : m.bonds) {
                b.append(String.format(Locale.ROOT, "%3d%3d%3d  0%n", bond[0], bond[1], bond[2]));
            }
            b.append("M  END\n$$$$\n");
        }
        return b.toString();
    }

    static String csvText(int rows) {
        StringBuilder b = new StringBuilder(Qm9.CSV_HEADER).append('\n');
        for (int k = 1; k <= rows; k++) {
            b.append("gdb_").append(k);
            for (int c = 1; c <= 19; c++) {
                b.append(',').append(csv(k, c));
            }
            b.append('\n');
        }
        return b.toString();
    }

    static String uncharacterized(int... indices) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Qm9.SKIP_HEADER_LINES; i++) {
            b.append(i == 0 ? " Molecules that failed the consistency check\n" : " header line " + i + "\n");
        }
        for (int i : indices) {
            b.append(String.format(Locale.ROOT, "%8d  %8d  C1=CC=C1  C1CC1%n", i, 1000 + i));
        }
        return b.append(" ----\n").toString();
    }

    static Path fixture(Path at) {
        MtlFixtures.write(at.resolve("gdb9.sdf"), sdf(MOLS));
        MtlFixtures.write(at.resolve("gdb9.sdf.csv"), csvText(MOLS.size()));
        MtlFixtures.write(at.resolve("uncharacterized.txt"), uncharacterized(DROPPED));
        return at;
    }

    static Qm9 create(Path r, String more) {
        return (Qm9) kit.create(PluginKind.DATASET, "qm9", "root = \"" + r + "\", test-size = 1, validation-size = 1"
                + (more.isEmpty() ? "" : ", " + more), Dataset.class);
    }

    /** The fixture molecule (1-based) behind a split position, recognised by its mu. */
    static int molecule(Qm9 d, Split s, int i) {
        double mu = d.rawTargets(s, i)[0];
        return (int) Math.round((mu - 4) / 100);
    }

    @Test
    void keepsTheCharacterizedMoleculesInASeededSplit() {
        Qm9 d = create(root, "");
        assertEquals(1, d.size(Split.TEST));
        assertEquals(1, d.size(Split.VALIDATION));
        assertEquals(3, d.size(Split.TRAIN));
        Set<Integer> seen = new HashSet<>();
        for (Split s : Split.values()) {
            for (int i = 0; i < d.size(s); i++) {
                seen.add(molecule(d, s, i));
            }
        }
        assertEquals(Set.of(1, 2, 4, 5, 6), seen, "molecule 3 is uncharacterized");
        assertEquals(molecule(d, Split.TEST, 0), molecule(create(root, ""), Split.TEST, 0), "split-seed fixes the split");
        Set<Integer> tests = new HashSet<>();
        for (int seed = 0; seed < 10; seed++) {
            tests.add(molecule(create(root, "split-seed = " + seed), Split.TEST, 0));
        }
        assertTrue(tests.size() > 1, "the seed decides the split");
        Qm9 fromRun = create(root, "split-seed = null");
        assertEquals(5, fromRun.size(Split.TEST) + fromRun.size(Split.VALIDATION) + fromRun.size(Split.TRAIN));
    }

    @Test
    void targetsArePygsInPygsOrderAndUnits() {
        Qm9 d = create(root, "scale-y = false");
        assertEquals(List.of("mu", "alpha", "homo", "lumo", "r2", "zpve", "u0_atom", "u_atom", "h_atom", "g_atom", "cv"),
                d.spec().tasks().stream().map(t -> t.name()).toList());
        assertEquals(List.of("D", "a0^3", "eV", "eV", "a0^2", "eV", "eV", "eV", "eV", "eV", "cal/(mol K)"),
                d.scale().units());
        // PyG index t is CSV column (t + 3) % 19 + 1; Hartree columns times HAR2EV, kcal/mol ones times KCALMOL2EV.
        int[] pyg = {0, 1, 2, 3, 5, 6, 12, 13, 14, 15, 11};
        double[] factor = {1, 1, Qm9.HAR2EV, Qm9.HAR2EV, 1, Qm9.HAR2EV, Qm9.KCALMOL2EV, Qm9.KCALMOL2EV,
            Qm9.KCALMOL2EV, Qm9.KCALMOL2EV, 1};
        for (int i = 0; i < d.size(Split.TRAIN); i++) {
            int k = molecule(d, Split.TRAIN, i);
            double[] y = d.rawTargets(Split.TRAIN, i);
            for (int t = 0; t < pyg.length; t++) {
                assertEquals(csv(k, (pyg[t] + 3) % 19 + 1) * factor[t], y[t], 1e-9, "target " + t);
            }
        }
        try (NDManager m = kit.manager().newSubManager()) {
            MultiTaskBatch b = d.batch(Split.TRAIN, new int[] {0}, m);
            assertEquals(new Shape(1, 1), b.targets("homo").values().getShape());
            assertEquals((float) d.rawTargets(Split.TRAIN, 0)[2], b.targets("homo").values().getFloat(), 1e-3f);
        }
        Qm9 other = create(root, "targets = [4, 16, 7]");
        assertEquals(List.of("gap", "a", "u0"), other.spec().tasks().stream().map(t -> t.name()).toList());
        int k = molecule(d, Split.TEST, 0);
        double[] y = other.rawTargets(Split.TEST, 0);
        assertEquals(csv(k, 8) * Qm9.HAR2EV, y[0], 1e-9, "gap: Hartree to eV");
        assertEquals(csv(k, 1), y[1], 1e-12, "A: GHz, unconverted");
    }

    @Test
    void scaleYStandardisesWithTheTrainingStatistics() {
        for (String stats : new String[] {"train", "all"}) {
            Qm9 d = create(root, "scale-y-stats = " + stats);
            Split[] over = stats.equals("train") ? new Split[] {Split.TRAIN} : Split.values();
            List<double[]> ys = new ArrayList<>();
            for (Split s : over) {
                for (int i = 0; i < d.size(s); i++) {
                    ys.add(d.rawTargets(s, i));
                }
            }
            for (int t = 0; t < 11; t++) {
                double mean = 0;
                for (double[] y : ys) {
                    mean += y[t] / ys.size();
                }
                double ss = 0;
                for (double[] y : ys) {
                    ss += (y[t] - mean) * (y[t] - mean);
                }
                double std = Math.sqrt(ss / (ys.size() - 1));
                assertEquals(mean, d.scale().mean()[t], 1e-9 * Math.abs(mean));
                assertEquals(std, d.scale().std()[t], 1e-9 * std, "unbiased std, " + stats);
            }
            try (NDManager m = kit.manager().newSubManager()) {
                MultiTaskBatch b = d.batch(Split.TEST, new int[] {0}, m);
                double raw = d.rawTargets(Split.TEST, 0)[4];
                assertEquals((raw - d.scale().mean()[4]) / d.scale().std()[4], b.targets("r2").values().getFloat(), 1e-5);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> create(root, "test-size = 2, validation-size = 2"));
        assertTrue(e.getMessage().contains("at least 2 molecules"), e.getMessage());
    }

    static double distance(Mol m, int i, int j) {
        double s = 0;
        for (int d = 0; d < 3; d++) {
            double v = (float) m.pos[3 * j + d] - (float) m.pos[3 * i + d];
            s += v * v;
        }
        return Math.sqrt(s);
    }

    @Test
    void atomsAndCompleteGraphEdgesArePackedPerRow() {
        Qm9 d = create(root, "max-atoms = 6");
        int width = 1 + 11 + 5 * 6;
        assertArrayEquals(new long[] {6, width}, d.spec().inputShape());
        assertArrayEquals(new long[] {29, 1 + 11 + 5 * 29}, create(root, "").spec().inputShape(), "29 atoms by default");
        try (NDManager m = kit.manager().newSubManager()) {
            int checked = 0;
            for (Split s : Split.values()) {
                int[] all = java.util.stream.IntStream.range(0, d.size(s)).toArray();
                MultiTaskBatch b = d.batch(s, all, m);
                assertEquals(new Shape(all.length, 6, width), b.inputs().getShape());
                float[] x = b.inputs().toFloatArray();
                for (int n = 0; n < all.length; n++) {
                    Mol mol = MOLS.get(molecule(d, s, n) - 1);
                    String[] sym = mol.symbols.split(" ");
                    int[][] bond = new int[sym.length][sym.length];
                    for (int[] bd : mol.bonds) {
                        bond[bd[0] - 1][bd[1] - 1] = bd[2];
                        bond[bd[1] - 1][bd[0] - 1] = bd[2];
                    }
                    for (int i = 0; i < 6; i++) {
                        int row = (n * 6 + i) * width;
                        if (i >= sym.length) {
                            for (int c = 0; c < width; c++) {
                                assertEquals(0f, x[row + c], "padding row");
                            }
                            continue;
                        }
                        assertEquals(1f, x[row], "mask");
                        int element = Qm9.ELEMENTS.indexOf(sym[i]);
                        for (int e = 0; e < 5; e++) {
                            assertEquals(e == element ? 1f : 0f, x[row + 1 + e], "one-hot " + sym[i]);
                        }
                        assertEquals(new int[] {1, 6, 7, 8, 9}[element], x[row + 6], 0f, "atomic number");
                        for (int c = 7; c <= 10; c++) {
                            assertEquals(0f, x[row + c], "aromatic, sp, sp2, sp3: never perceived, as PyG");
                        }
                        int hs = 0;
                        for (int j = 0; j < sym.length; j++) {
                            hs += bond[i][j] != 0 && sym[j].equals("H") ? 1 : 0;
                        }
                        assertEquals(hs, x[row + 11], 0f, "bonded hydrogens");
                        for (int j = 0; j < 6; j++) {
                            int at = row + 12 + 5 * j;
                            for (int t = 0; t < 4; t++) {
                                boolean one = j < sym.length && j != i && bond[i][j] == t + 1;
                                assertEquals(one ? 1f : 0f, x[at + t], "bond type of " + i + "-" + j);
                            }
                            double dist = j < sym.length && j != i ? distance(mol, i, j) : 0;
                            assertEquals(dist, x[at + 4], 1e-6, "distance " + i + "-" + j);
                        }
                    }
                    checked++;
                }
            }
            assertEquals(5, checked);
        }
    }

    // ---- bad inputs ----

    private static String refused(Path r, String more, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> create(r, more));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
        }
        return e.getMessage();
    }

    private Path withSdf(String name, String text) {
        Path r = fixture(dir.resolve(name));
        MtlFixtures.write(r.resolve("gdb9.sdf"), text);
        return r;
    }

    @Test
    void sdfRecordsThatDoNotParseAreNamedByFileLineAndTitle() {
        String good = sdf(MOLS);
        // Acetylene's first carbon (record gdb_4) gets a y coordinate that is no number.
        String bad = good.replace("    0.0000    0.0000    0.6000 C", "    0.0000    abc.de    0.6000 C");
        Path r = withSdf("coord", bad);
        int line = lineOf(bad, "abc.de");
        refused(r, "", r.resolve("gdb9.sdf") + ":" + line + ": record 'gdb_4'", "is not the coordinate y of atom 1");
        Path r2 = withSdf("counts", good.replaceFirst("  5  4  0  0  0  0  0  0  0  0999 V2000", " x5  4  0  0  0  0  0  0"
                + "  0  0999 V2000"));
        refused(r2, "", "gdb9.sdf:4: record 'gdb_1'", "is not the atom count of the counts line");
        Path r3 = withSdf("element", good.replace("    0.0000    0.0000    1.3800 F  ", "    0.0000    0.0000    1.3800 Cl "));
        refused(r3, "", "record 'gdb_6'", "atom 2 is 'Cl'", "expected H, C, N, O or F");
        Path r4 = withSdf("bond", good.replaceFirst("  1  5  1  0", "  1  9  1  0"));
        refused(r4, "", "record 'gdb_1'", "joins atoms 1 and 9");
        Path r5 = withSdf("cut", good.substring(0, good.indexOf("M  END", good.indexOf("gdb_6"))));
        refused(r5, "", "record 'gdb_6'", "the file ends inside the record");
        Path r6 = withSdf("short", good.replaceFirst("  5  4  0", "  5  5  0"));
        refused(r6, "", "record 'gdb_1'", "the record ends after 4 of its 5 bonds");
        Path r7 = withSdf("type", good.replaceFirst("  1  2  3  0", "  1  2  8  0"));
        refused(r7, "", "record 'gdb_4'", "has type 8");
        Path r8 = withSdf("v3000", good.replaceFirst("V2000", "V3000"));
        refused(r8, "", "V3000");
    }

    static int lineOf(String text, String fragment) {
        String before = text.substring(0, text.indexOf(fragment));
        return (int) before.chars().filter(c -> c == '\n').count() + 1;
    }

    @Test
    void csvAndUncharacterizedProblemsAreNamed() throws IOException {
        Path r = fixture(dir.resolve("header"));
        MtlFixtures.write(r.resolve("gdb9.sdf.csv"), csvText(6).replace("mu,alpha", "alpha,mu"));
        refused(r, "", r.resolve("gdb9.sdf.csv") + ":1: header", "expected '" + Qm9.CSV_HEADER + "'");
        Path r2 = fixture(dir.resolve("rows"));
        MtlFixtures.write(r2.resolve("gdb9.sdf.csv"), csvText(5));
        refused(r2, "", "record 'gdb_6' is number 6", "has only 5 rows");
        Path r3 = fixture(dir.resolve("more"));
        MtlFixtures.write(r3.resolve("gdb9.sdf.csv"), csvText(7));
        refused(r3, "", "holds 6 records but", "has 7 rows");
        Path r4 = fixture(dir.resolve("nan"));
        MtlFixtures.write(r4.resolve("gdb9.sdf.csv"), csvText(6).replace(String.valueOf(csv(2, 7)), "n/a"));
        refused(r4, "", "gdb9.sdf.csv:3: 'n/a' in column lumo is not a number");
        Path r5 = fixture(dir.resolve("order"));
        MtlFixtures.write(r5.resolve("gdb9.sdf.csv"), csvText(6).replace("gdb_2,", "gdb_9,"));
        refused(r5, "", "record 2 is 'gdb_2' but row 2", "'gdb_9'");
        Path r6 = fixture(dir.resolve("skip"));
        MtlFixtures.write(r6.resolve("uncharacterized.txt"), uncharacterized(3).replace("       3  ", "   three  "));
        refused(r6, "", r6.resolve("uncharacterized.txt") + ":10:", "does not start with a molecule index");
        Path r7 = fixture(dir.resolve("range"));
        MtlFixtures.write(r7.resolve("uncharacterized.txt"), uncharacterized(3, 7));
        refused(r7, "", "molecule index 7 is not in 1..6");
        Path r8 = fixture(dir.resolve("missing"));
        Files.delete(r8.resolve("uncharacterized.txt"));
        refused(r8, "", r8.resolve("uncharacterized.txt") + " is missing");
        Files.writeString(r8.resolve("uncharacterized.txt"), "too short\n", StandardCharsets.ISO_8859_1);
        refused(r8, "", "1 lines; expected 9 header lines");
    }

    @Test
    void settingsThatCannotHoldAreRefused() {
        refused(root, "max-atoms = 4", "record 'gdb_1' has 5 atoms, more than max-atoms = 4");
        refused(root, "test-size = 3, validation-size = 2", "leave no training molecules of the 5");
        refused(root, "targets = [0, 0]", "0 appears twice");
        refused(root, "targets = [19]", "19 is not one of PyG's indices 0..18");
        refused(dir.resolve("none"), "", "qm9 folder", "does not exist");
    }
}
