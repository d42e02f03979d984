package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.DatasetFactory;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.api.data.MultiTaskDataset;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * QM9 (Ramakrishnan et al. 2014) from its raw files, processed as PyTorch Geometric's {@code QM9}
 * dataset processes them and as the FAMO and Nash-MTL QM9 trainers transform them ({@code
 * Complete()}, {@code Distance(norm=False)}), laid out densely for batched matrix products.
 *
 * <p><b>Files</b> in {@code ROOT}: {@code gdb9.sdf} (133,885 V2000 records), {@code
 * gdb9.sdf.csv} (a header {@code mol_id,A,B,C,mu,alpha,homo,lumo,gap,r2,zpve,u0,u298,h298,g298,
 * cv,u0_atom,u298_atom,h298_atom,g298_atom} and one row per record, in the same order) and
 * {@code uncharacterized.txt} (the 3,054 molecules that failed the consistency check: as PyG
 * reads it, 9 header lines, one line per molecule whose first field is its 1-based index, one
 * footer line). Those are dropped: 130,831 molecules remain. Every file and record is checked
 * when the dataset opens; a problem names the file and line.
 *
 * <p><b>Targets</b> ({@code targets}, PyG's indices; default the papers' 11: {@code 0, 1, 2, 3,
 * 5, 6, 12, 13, 14, 15, 11} = mu, alpha, homo, lumo, r2, zpve, u0_atom, u_atom, h_atom, g_atom,
 * cv, with gap (4) left out) in PyG's order and units: the CSV's 19 values reordered to mu,
 * alpha, homo, lumo, gap, r2, zpve, U0, U, H, G, cv, U0_atom, U_atom, H_atom, G_atom, A, B, C,
 * Hartree values times 27.211386246 (eV) and the kcal/mol atomization energies times 0.04336414
 * (eV); mu in D, alpha in a0³, r2 in a0², cv in cal/(mol K), A-C in GHz. The papers' STL tables
 * are in these units, with the energies reported in meV (a metric's concern). PyG computes in
 * float32; we compute in float64 and round once. With {@code scale-y} (default, the FAMO run.sh's
 * {@code --scale-y=True}; its missing default gave Δm ≈ 110 instead of 58.5, FAMO issue 5) every
 * target is standardised, {@code (y - mean) / std} with the unbiased std, over the training
 * molecules ({@code scale-y-stats = train}); the repositories' {@code train_dataset.data.y} is
 * the storage of the whole shuffled dataset, so their statistics are over all 130,831 molecules
 * ({@code scale-y-stats = all} reproduces that). {@link #scale()} gives the statistics, to report
 * errors in the original units.
 *
 * <p><b>Atom features</b> (11, PyG's): one-hot H, C, N, O, F; the atomic number; aromatic; sp,
 * sp2, sp3; the number of bonded hydrogens. PyG takes aromaticity and hybridisation from RDKit on
 * molecules read with {@code sanitize=False}, so they are never perceived and are 0 for every
 * atom (PyG issue 8370); the pre-processed download used without RDKit is made the same way. We
 * compute them from the SD file alone, with the same result: aromatic is 1 for an atom of an
 * aromatic (type 4) bond, which gdb9.sdf, written in Kekulé form, never has, and sp/sp2/sp3 are
 * 0. <b>Edge features</b> (5) of every ordered pair of distinct atoms, the complete graph of
 * {@code Complete()}: one-hot single, double, triple, aromatic for a bond of the SD file (zeros
 * for no bond), then the Euclidean distance of the two atoms in Å ({@code Distance(norm=False)}).
 *
 * <p><b>Batches.</b> A molecule has at most {@code max-atoms} (29) atoms, padded: inputs {@code
 * [N, M, 1 + 11 + 5 M]} (M = max-atoms, the spec's input shape {@code [M, 1 + 11 + 5 M]}); row
 * {@code i} of molecule {@code n} is {@code [mask_i, x_i (11), e_i0 (5), ..., e_i(M-1) (5)]}:
 * {@code mask_i} 1 for a real atom and 0 for padding, {@code x_i} its features, {@code e_ij}
 * the edge features of the pair (i, j), zero when {@code i = j} or either atom is padding. So a
 * model takes {@code atoms = x[..., 1:12]}, {@code mask = x[..., 0]} and {@code edges =
 * x[..., 12:].reshape(N, M, M, 5)}, with the edge mask {@code mask_i mask_j (i != j)}. One task
 * per target ({@link StandardisedRegressionTask}: MSE on the standardised values, {@code mae} in
 * original units, energies in meV as the papers report them), targets {@code [N, 1]}.
 *
 * <p><b>Split</b>: a permutation seeded by {@code split-seed}; test is its first {@code
 * test-size} (10,000) molecules, validation the next {@code validation-size} (10,000), train the
 * rest (the repositories' {@code dataset.shuffle()} then {@code [:10000]}, {@code
 * [10000:20000]}, {@code [20000:]}; their shuffle is torch's, seeded by the run's seed, so each
 * of their seeds has another split; {@code split-seed = null} does that with meta4j's generator).
 */
public final class Qm9 implements MultiTaskDataset {

    /** PyG's target names, in its order. */
    static final List<String> NAMES = List.of("mu", "alpha", "homo", "lumo", "gap", "r2", "zpve", "u0", "u", "h",
            "g", "cv", "u0_atom", "u_atom", "h_atom", "g_atom", "a", "b", "c");
    /** The units of PyG's targets. */
    static final List<String> UNITS = List.of("D", "a0^3", "eV", "eV", "eV", "a0^2", "eV", "eV", "eV", "eV", "eV",
            "cal/(mol K)", "eV", "eV", "eV", "eV", "GHz", "GHz", "GHz");
    /** Hartree to eV, as PyG. */
    static final double HAR2EV = 27.211386246;
    /** kcal/mol to eV, as PyG. */
    static final double KCALMOL2EV = 0.04336414;
    /** The CSV's header. */
    static final String CSV_HEADER = "mol_id,A,B,C,mu,alpha,homo,lumo,gap,r2,zpve,u0,u298,h298,g298,cv,u0_atom,"
            + "u298_atom,h298_atom,g298_atom";
    /** The element symbols QM9 has, in the one-hot's order. */
    static final List<String> ELEMENTS = List.of("H", "C", "N", "O", "F");
    private static final int[] ATOMIC_NUMBERS = {1, 6, 7, 8, 9};
    /** Features per atom. */
    public static final int ATOM_FEATURES = 11;
    /** Features per ordered atom pair. */
    public static final int EDGE_FEATURES = 5;
    /** Header lines of uncharacterized.txt before the indices, as PyG skips them. */
    static final int SKIP_HEADER_LINES = 9;

    /**
     * How targets were standardised.
     *
     * @param names the tasks' names (PyG's target names)
     * @param units their units (after PyG's conversions)
     * @param mean what was subtracted (0 without {@code scale-y})
     * @param std what the difference was divided by (1 without {@code scale-y})
     */
    public record Scale(List<String> names, List<String> units, double[] mean, double[] std) {
        /** Copies the arrays. */
        public Scale {
            mean = mean.clone();
            std = std.clone();
        }

        @Override
        public double[] mean() {
            return mean.clone();
        }

        @Override
        public double[] std() {
            return std.clone();
        }
    }

    /** One molecule as kept in memory. */
    private record Molecule(byte[] element, float[] position, byte[] bonds) {
        int atoms() {
            return element.length;
        }
    }

    private final int maxAtoms;
    private final DataType dataType;
    private final List<Molecule> molecules = new ArrayList<>();
    private final double[][] targets;
    private final Map<Split, int[]> splits = new EnumMap<>(Split.class);
    private final Scale scale;
    private final DataSpec spec;
    private final java.util.Optional<dev.meta4j.api.data.SingleTaskBaselines> baselines;
    private final BatchBuffer buffer = new BatchBuffer();

    Qm9(Config c, DataType dataType, Rng rng) {
        this.dataType = dataType;
        this.maxAtoms = c.getInt("max-atoms");
        Path root = Dense.root(c, "qm9", "the folder holding gdb9.sdf, gdb9.sdf.csv and uncharacterized.txt");
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("qm9 folder " + root + " does not exist; expected gdb9.sdf, gdb9.sdf.csv"
                    + " and uncharacterized.txt there (the raw QM9 files PyTorch Geometric downloads)");
        }
        int[] chosen = c.getIntList("targets").stream().mapToInt(Integer::intValue).toArray();
        if (chosen.length == 0) {
            throw new IllegalArgumentException("qm9: targets is empty; choose some of PyG's indices 0..18");
        }
        boolean[] seen = new boolean[NAMES.size()];
        for (int t : chosen) {
            if (t < 0 || t >= NAMES.size() || seen[t]) {
                throw new IllegalArgumentException("qm9: targets " + Arrays.toString(chosen) + ": " + t
                        + (t >= 0 && t < NAMES.size() ? " appears twice" : " is not one of PyG's indices 0..18"));
            }
            seen[t] = true;
        }
        Path sdf = root.resolve("gdb9.sdf");
        Path csv = root.resolve("gdb9.sdf.csv");
        Path skipFile = root.resolve("uncharacterized.txt");
        for (Path p : List.of(sdf, csv, skipFile)) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("qm9: " + p + " is missing; expected gdb9.sdf, gdb9.sdf.csv and"
                        + " uncharacterized.txt in " + root);
            }
        }
        Csv rows = readCsv(csv);
        boolean[] skip = readSkip(skipFile, rows.ids.size());
        List<double[]> kept = new ArrayList<>();
        int records = Sdf.read(sdf, new java.util.function.Consumer<>() {
            int index;

            @Override
            public void accept(Sdf.Molecule m) {
                int i = index++;
                if (i >= rows.ids.size()) {
                    throw new IllegalArgumentException(sdf + ":" + m.line() + ": record '" + m.title() + "' is number "
                            + (i + 1) + " but " + csv + " has only " + rows.ids.size() + " rows");
                }
                checkSameMolecule(sdf, m, csv, rows.ids.get(i), i);
                if (skip[i]) {
                    return;
                }
                molecules.add(convert(sdf, m));
                kept.add(pick(rows.values.get(i), chosen));
            }
        });
        if (records != rows.ids.size()) {
            throw new IllegalArgumentException(sdf + " holds " + records + " records but " + csv + " has "
                    + rows.ids.size() + " rows; expected one row per record, in the same order");
        }
        targets = kept.toArray(new double[0][]);
        int n = molecules.size();
        int testSize = c.getInt("test-size");
        int validationSize = c.getInt("validation-size");
        if ((long) testSize + validationSize >= n) {
            throw new IllegalArgumentException("qm9: test-size " + testSize + " + validation-size " + validationSize
                    + " leave no training molecules of the " + n + " characterized ones");
        }
        long splitSeed = c.hasPath("split-seed") ? c.getLong("split-seed") : rng.split("qm9-split").nextLong();
        int[] perm = new Rng(splitSeed).split("qm9").permutation(n);
        splits.put(Split.TEST, Arrays.copyOfRange(perm, 0, testSize));
        splits.put(Split.VALIDATION, Arrays.copyOfRange(perm, testSize, testSize + validationSize));
        splits.put(Split.TRAIN, Arrays.copyOfRange(perm, testSize + validationSize, n));

        List<String> names = new ArrayList<>();
        List<String> units = new ArrayList<>();
        for (int t : chosen) {
            names.add(NAMES.get(t));
            units.add(UNITS.get(t));
        }
        double[] mean = new double[chosen.length];
        double[] std = new double[chosen.length];
        Arrays.fill(std, 1);
        if (c.getBoolean("scale-y")) {
            boolean all = c.getString("scale-y-stats").equals("all");
            int[] over = all ? identity(n) : splits.get(Split.TRAIN);
            if (over.length < 2) {
                throw new IllegalArgumentException("qm9: scale-y needs at least 2 molecules to standardise over; "
                        + (all ? "the dataset" : "the training split") + " has " + over.length);
            }
            for (int t = 0; t < chosen.length; t++) {
                double sum = 0;
                for (int i : over) {
                    sum += targets[i][t];
                }
                mean[t] = sum / over.length;
                double ss = 0;
                for (int i : over) {
                    double d = targets[i][t] - mean[t];
                    ss += d * d;
                }
                std[t] = Math.sqrt(ss / (over.length - 1));
                if (!(std[t] > 0)) {
                    throw new IllegalArgumentException("qm9: target " + names.get(t) + " has the same value for all "
                            + over.length + " molecules it is standardised over; scale-y cannot divide by its std 0");
                }
            }
        }
        this.scale = new Scale(names, units, mean, std);
        List<Task> tasks = new ArrayList<>();
        for (int t = 0; t < names.size(); t++) {
            // The papers report energies in meV (the repositories' multiply_indx), the rest as PyG.
            boolean ev = units.get(t).equals("eV");
            tasks.add(new StandardisedRegressionTask(names.get(t), std[t], ev ? 1000 : 1, ev ? "meV" : units.get(t)));
        }
        this.spec = new DataSpec(new long[] {maxAtoms, 1 + ATOM_FEATURES + (long) EDGE_FEATURES * maxAtoms}, tasks);
        this.baselines = BaselineFile.forDataset(c, "qm9", spec);
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        Arrays.setAll(a, i -> i);
        return a;
    }

    private static double[] pick(double[] all, int[] chosen) {
        double[] v = new double[chosen.length];
        for (int t = 0; t < chosen.length; t++) {
            v[t] = all[chosen[t]];
        }
        return v;
    }

    private static final byte[] ZEROS = new byte[1 << 16];

    private static final Pattern TRAILING_NUMBER = Pattern.compile("^gdb_(\\d+)$");

    /** When both names are {@code gdb_<k>}, they must agree: the CSV row describes that record. */
    private static void checkSameMolecule(Path sdf, Sdf.Molecule m, Path csv, String id, int i) {
        Matcher a = TRAILING_NUMBER.matcher(m.title());
        Matcher b = TRAILING_NUMBER.matcher(id);
        if (a.matches() && b.matches() && !a.group(1).equals(b.group(1))) {
            throw new IllegalArgumentException(sdf + ":" + m.line() + ": record " + (i + 1) + " is '" + m.title()
                    + "' but row " + (i + 1) + " of " + csv + " is '" + id + "'; expected the same molecules in the"
                    + " same order");
        }
    }

    private Molecule convert(Path sdf, Sdf.Molecule m) {
        int n = m.atoms();
        if (n > maxAtoms) {
            throw new IllegalArgumentException(sdf + ":" + m.line() + ": record '" + m.title() + "' has " + n
                    + " atoms, more than max-atoms = " + maxAtoms);
        }
        byte[] element = new byte[n];
        for (int a = 0; a < n; a++) {
            int e = ELEMENTS.indexOf(m.symbols()[a]);
            if (e < 0) {
                throw new IllegalArgumentException(sdf + ":" + m.line() + ": record '" + m.title() + "': atom " + (a + 1)
                        + " is '" + m.symbols()[a] + "'; expected H, C, N, O or F (QM9's elements)");
            }
            element[a] = (byte) e;
        }
        float[] pos = new float[3 * n];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = (float) m.positions()[i]; // PyG keeps positions in float32
        }
        byte[] bonds = new byte[n * n];
        for (int b = 0; b < m.bondType().length; b++) {
            int i = m.bondFrom()[b];
            int j = m.bondTo()[b];
            if (bonds[i * n + j] != 0) {
                throw new IllegalArgumentException(sdf + ":" + m.line() + ": record '" + m.title() + "' bonds atoms "
                        + (i + 1) + " and " + (j + 1) + " twice");
            }
            bonds[i * n + j] = (byte) m.bondType()[b];
            bonds[j * n + i] = (byte) m.bondType()[b];
        }
        return new Molecule(element, pos, bonds);
    }

    /** The CSV's rows: names and PyG-ordered, converted targets. */
    private record Csv(List<String> ids, List<double[]> values) {}

    private static Csv readCsv(Path file) {
        List<String> ids = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        // PyG's conversion of the reordered targets.
        double[] conversion = new double[19];
        Arrays.fill(conversion, 1);
        for (int t : new int[] {2, 3, 4, 6, 7, 8, 9, 10}) {
            conversion[t] = HAR2EV;
        }
        for (int t = 12; t <= 15; t++) {
            conversion[t] = KCALMOL2EV;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            String header = r.readLine();
            if (header == null || !header.strip().equals(CSV_HEADER)) {
                throw new IllegalArgumentException(file + ":1: header '" + (header == null ? "" : header.strip())
                        + "'; expected '" + CSV_HEADER + "'");
            }
            int number = 1;
            for (String line; (line = r.readLine()) != null; ) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != 20) {
                    throw new IllegalArgumentException(file + ":" + number + ": " + f.length + " fields; expected 20 (a"
                            + " mol_id and 19 numbers, as the header)");
                }
                double[] raw = new double[19];
                for (int k = 0; k < 19; k++) {
                    try {
                        raw[k] = Double.parseDouble(f[k + 1].strip());
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(file + ":" + number + ": '" + f[k + 1] + "' in column "
                                + CSV_HEADER.split(",")[k + 1] + " is not a number", e);
                    }
                }
                // PyG: y = cat([y[:, 3:], y[:, :3]]) * conversion.
                double[] y = new double[19];
                for (int k = 0; k < 19; k++) {
                    y[k] = raw[(k + 3) % 19] * conversion[k];
                }
                ids.add(f[0].strip());
                values.add(y);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return new Csv(ids, values);
    }

    /**
     * The molecules to drop: PyG reads {@code uncharacterized.txt} as its lines after the first 9
     * and before the last, each starting with a 1-based index.
     */
    private static boolean[] readSkip(Path file, int records) {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
            lines.remove(lines.size() - 1);
        }
        if (lines.size() < SKIP_HEADER_LINES + 1) {
            throw new IllegalArgumentException(file + ": " + lines.size() + " lines; expected " + SKIP_HEADER_LINES
                    + " header lines, one line per uncharacterized molecule starting with its index, and a footer"
                    + " line (the figshare file PyG downloads)");
        }
        boolean[] skip = new boolean[records];
        for (int i = SKIP_HEADER_LINES; i < lines.size() - 1; i++) {
            String[] t = lines.get(i).strip().split("\\s+");
            int index;
            try {
                index = Integer.parseInt(t[0]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": '" + clip(lines.get(i)) + "' does not start"
                        + " with a molecule index; expected " + SKIP_HEADER_LINES + " header lines, then one line per"
                        + " molecule starting with its 1-based index, then one footer line", e);
            }
            if (index < 1 || index > records) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": molecule index " + index + " is not in 1.."
                        + records + " (the records of gdb9.sdf)");
            }
            skip[index - 1] = true;
        }
        return skip;
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /**
     * How the targets were standardised.
     *
     * @return names, units, means and standard deviations
     */
    public Scale scale() {
        return scale;
    }

    @Override
    public DataSpec spec() {
        return spec;
    }

    @Override
    public int size(Split split) {
        return splits.get(split).length;
    }

    /**
     * A molecule's targets in PyG's units, for tests.
     *
     * @param split the split
     * @param index the position
     * @return the chosen targets, not standardised
     */
    double[] rawTargets(Split split, int index) {
        return targets[splits.get(split)[index]].clone();
    }

    @Override
    public MultiTaskBatch batch(Split split, int[] indices, NDManager manager) {
        int[] ids = splits.get(split);
        int n = indices.length;
        for (int i : indices) {
            if (i < 0 || i >= ids.length) {
                throw new IndexOutOfBoundsException("index " + i + " is outside the " + split.key() + " split of "
                        + ids.length + " molecules");
            }
        }
        int m = maxAtoms;
        int width = 1 + ATOM_FEATURES + EDGE_FEATURES * m;
        int fb = BatchBuffer.bytes(dataType);
        int tasks = scale.names().size();
        long inputBytes = (long) n * m * width * fb;
        buffer.reserve(inputBytes + (long) tasks * n * fb);
        ByteBuffer inputRegion = buffer.region(inputBytes);
        // The scratch is reused: padding must be written as zeros.
        for (int i = 0; i < inputBytes; i += ZEROS.length) {
            inputRegion.put(i, ZEROS, 0, (int) Math.min(ZEROS.length, inputBytes - i));
        }
        BatchBuffer.Values x = BatchBuffer.floats(inputRegion, dataType);
        ByteBuffer[] targetRegions = new ByteBuffer[tasks];
        BatchBuffer.Values[] y = new BatchBuffer.Values[tasks];
        for (int t = 0; t < tasks; t++) {
            targetRegions[t] = buffer.region((long) n * fb);
            y[t] = BatchBuffer.floats(targetRegions[t], dataType);
        }
        double[] mean = scale.mean;
        double[] std = scale.std;
        for (int b = 0; b < n; b++) {
            int id = ids[indices[b]];
            pack(molecules.get(id), x, b * m * width, width);
            for (int t = 0; t < tasks; t++) {
                y[t].set(b, (targets[id][t] - mean[t]) / std[t]);
            }
        }
        NDArray inputs = BatchBuffer.owned(manager, inputRegion, new Shape(n, m, width), dataType);
        Map<String, Targets> t = new LinkedHashMap<>();
        for (int k = 0; k < tasks; k++) {
            t.put(scale.names().get(k), Targets.of(BatchBuffer.owned(manager, targetRegions[k], new Shape(n, 1), dataType)));
        }
        return new MultiTaskBatch(inputs, t);
    }

    /** Writes one molecule's rows: mask, atom features, then the edge features of each pair. */
    private static void pack(Molecule mol, BatchBuffer.Values x, int base, int width) {
        int n = mol.atoms();
        for (int i = 0; i < n; i++) {
            int row = base + i * width;
            x.set(row, 1);
            int e = mol.element[i];
            x.set(row + 1 + e, 1);
            x.set(row + 1 + 5, ATOMIC_NUMBERS[e]);
            int hydrogens = 0;
            boolean aromatic = false;
            for (int j = 0; j < n; j++) {
                int bond = mol.bonds[i * n + j];
                if (bond != 0 && mol.element[j] == 0) {
                    hydrogens++;
                }
                aromatic |= bond == 4;
            }
            x.set(row + 1 + 6, aromatic ? 1 : 0);
            // 1 + 7 .. 1 + 9: sp, sp2, sp3, never perceived (see the class comment): left 0.
            x.set(row + 1 + 10, hydrogens);
            for (int j = 0; j < n; j++) {
                if (j == i) {
                    continue;
                }
                int at = row + 1 + ATOM_FEATURES + EDGE_FEATURES * j;
                int bond = mol.bonds[i * n + j];
                if (bond != 0) {
                    x.set(at + bond - 1, 1);
                }
                double dx = mol.position[3 * j] - mol.position[3 * i];
                double dy = mol.position[3 * j + 1] - mol.position[3 * i + 1];
                double dz = mol.position[3 * j + 2] - mol.position[3 * i + 2];
                x.set(at + 4, Math.sqrt(dx * dx + dy * dy + dz * dz));
            }
        }
    }

    @Override
    public java.util.Optional<dev.meta4j.api.data.SingleTaskBaselines> singleTaskBaselines() {
        return baselines;
    }

    /** Registers {@code qm9}. */
    @AutoService(DatasetFactory.class)
    public static final class Factory implements DatasetFactory {
        @Override
        public String name() {
            return "qm9";
        }

        @Override
        public String summary() {
            return "QM9 from the raw gdb9 files as PyG processes them: 11 regression targets, padded complete graphs";
        }

        @Override
        public Dataset create(PluginContext ctx) {
            return new Qm9(ctx.config(), ctx.dataType(), ctx.rng());
        }
    }
}
