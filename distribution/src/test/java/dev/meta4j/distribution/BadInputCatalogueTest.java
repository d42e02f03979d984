package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meta4j.datasets.IdxFixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays a catalogue of bad inputs through the command line, in this JVM: configs (types, unknown
 * names, ranges, syntax, includes, overrides, plugin checks, suites), CLI usage, datasets,
 * checkpoints and plugin jars. Each must exit with its code (2 for a bad config or usage, 1 for a
 * run that fails while running), name the offending thing and the fix, print no stack trace, and
 * write nothing outside its run folder. A case marked {@code {cmd}} is replayed with both
 * {@code validate} and {@code run}, which must agree.
 */
class BadInputCatalogueTest {

    @TempDir static Path tmp;
    static Path fashion;

    /** A sine-MAML config that trains for two tiny steps, writing only below {dir}/runs. */
    private static final String GOOD = """
            experiment { name = t, steps = 2, log-every = 1, eval-every = 0, test = false, plots = false, output-dir = "{dir}/runs" }
            algorithm { type = maml, meta-batch = 2, eval-tasks = 2, eval-extra-steps = 0 }
            dataset { type = sine }
            model { type = mlp, hidden = [4] }
            """;

    /** A multi-task config on the fashion fixture. */
    private static final String MTL = """
            experiment { name = m, steps = 2, log-every = 1, eval-every = 0, test = false, plots = false, output-dir = "{dir}/runs" }
            algorithm { type = multitask, batch-size = 8, eval-batch-size = 8 }
            weighting { type = ls }
            dataset { type = multi-fashion, root = "{fashion}", validation-size = 8 }
            model { type = lenet-hps, conv1-channels = 2, conv2-channels = 2, hidden = 4 }
            """;

    /** One bad input: files to write into its folder, the arguments, and what must come out. */
    private static final class Case {
        final String name;
        final Map<String, Object> files = new LinkedHashMap<>();
        String[] args;
        int exit = 2;
        String[] mentions = new String[0];

        Case(String name) {
            this.name = name;
        }

        Case file(String file, Object content) {
            files.put(file, content);
            return this;
        }

        /** A config file c.conf, checked with validate and run. */
        Case config(String text, String... overrides) {
            file("c.conf", text);
            List<String> a = new ArrayList<>(List.of("{cmd}", "--config", "{dir}/c.conf"));
            a.addAll(List.of(overrides));
            args = a.toArray(String[]::new);
            return this;
        }

        /** A suite config c.conf, checked with validate and suite. */
        Case suite(String text) {
            file("c.conf", text);
            args = new String[] {"{suitecmd}", "--config", "{dir}/c.conf"};
            return this;
        }

        Case args(String... args) {
            this.args = args;
            return this;
        }

        Case exit(int code) {
            this.exit = code;
            return this;
        }

        Case mentions(String... m) {
            this.mentions = m;
            return this;
        }
    }

    private static final List<Case> CASES = new ArrayList<>();

    private static Case c(String name) {
        Case c = new Case(name);
        CASES.add(c);
        return c;
    }

    /** The multi-task config with another dataset section. */
    private static String withDataset(String section) {
        return MTL.replace("dataset { type = multi-fashion, root = \"{fashion}\", validation-size = 8 }", "dataset { " + section + " }");
    }

    private static String good(String extra) {
        return GOOD + extra + "\n";
    }

    static {
        // ---- keys, types, names, ranges ----
        c("misspelt key").config(GOOD.replace("meta-batch = 2", "meta-batch = 2, inner-lrr = 0.1"))
                .mentions("c.conf:2", "algorithm.inner-lrr", "did you mean 'inner-lr'");
        c("unknown section").config(good("optimiser { type = adam }")).mentions("c.conf:5", "optimiser", "did you mean 'optimizer'");
        c("unknown model").config(GOOD.replace("type = mlp", "type = mpl")).mentions("model.type", "did you mean 'mlp'");
        c("unknown algorithm").config(GOOD.replace("type = maml", "type = mamll")).mentions("algorithm.type", "did you mean 'maml'");
        c("unknown dataset").config(GOOD.replace("type = sine", "type = sin")).mentions("dataset.type", "did you mean 'sine'");
        c("unknown weighting").config(MTL.replace("type = ls", "type = famoo")).mentions("weighting.type", "did you mean 'famo'");
        c("unknown optimizer").config(good("optimizer { type = adamm }")).mentions("optimizer.type", "did you mean 'adam'");
        c("unknown scheduler").config(good("scheduler { type = cosin }")).mentions("scheduler.type", "did you mean 'cosine'");
        c("string for a number").config(good("algorithm.inner-lr = fast")).mentions("algorithm.inner-lr", "expected a number");
        c("fraction for a whole number").config(good("algorithm.inner-steps = 1.5")).mentions("algorithm.inner-steps", "whole number");
        c("negative learning rate").config(good("optimizer { type = adam, lr = -1 }")).mentions("optimizer.lr", "out of range (0, inf)");
        c("activation not one of").config(good("model.activation = sigmoid")).mentions("model.activation", "relu, tanh");
        c("boolean expected").config(good("algorithm.first-order = maybe")).mentions("algorithm.first-order", "true or false");
        c("list expected").config(good("model.hidden = 40")).mentions("model.hidden", "expected a list");
        c("negative hidden width").config(good("model.hidden = [40, -3]")).mentions("model.hidden", "-3 is out of range [1, inf)");
        c("fractional hidden width").config(good("model.hidden = [40, 40.5]")).mentions("model.hidden", "whole number, got 40.5");
        c("string hidden width").config(good("model.hidden = [40, wide]")).mentions("model.hidden", "expected a number");
        c("value for a section").config(GOOD.replace("algorithm { type = maml, meta-batch = 2, eval-tasks = 2, eval-extra-steps = 0 }",
                "algorithm = maml")).mentions("algorithm", "expected a section");
        c("section without type").config(GOOD.replace("dataset { type = sine }", "dataset { shots = 5 }"))
                .mentions("dataset.type", "which dataset plugin", "sine");
        c("type not a name").config(GOOD.replace("type = mlp", "type = [mlp]")).mentions("model.type", "expected a plugin name");
        c("huge step count").config(good("experiment.steps = 99999999999999999999")).mentions("experiment.steps", "too large");
        c("huge seed").config(good("experiment.seed = 99999999999999999999")).mentions("experiment.seed", "too large");
        c("fractional seed").config(good("experiment.seed = 1.5")).mentions("experiment.seed", "whole number");
        c("zero steps").config(good("experiment.steps = 0")).mentions("experiment.steps", "out of range [1, inf)");
        c("too many threads").config(good("experiment.threads = 2000")).mentions("experiment.threads", "out of range");
        c("unknown dtype").config(good("experiment.dtype = float16")).mentions("experiment.dtype", "float32, float64");
        c("null for a number").config(good("experiment.log-every = null")).mentions("experiment.log-every", "must not be null");
        c("section for a string").config(good("experiment.name = {}")).mentions("experiment.name", "expected a string");
        c("number for a boolean").config(good("experiment.test = 3")).mentions("experiment.test", "true or false");
        c("list for a string").config(good("experiment.output-dir = [a]")).mentions("experiment.output-dir", "expected a string");
        c("fraction for nullable whole").config(good("algorithm.eval-steps = 1.5")).mentions("algorithm.eval-steps", "whole number");
        c("top-level key").config(good("seed = 3")).mentions("seed", "unknown section");
        c("scheduler takes no settings").config(good("scheduler { type = constant, lr = 1 }"))
                .mentions("scheduler.lr", "takes no settings");
        c("step unit typo").config(good("scheduler { type = step, unit = epoch }")).mentions("scheduler.unit", "did you mean 'epochs'");
        c("step gamma zero").config(good("scheduler { type = step, gamma = 0 }")).mentions("scheduler.gamma", "out of range");
        c("fractional step size").config(good("scheduler { type = step, step-size = 2.5 }")).mentions("scheduler.step-size", "whole");
        c("plateau factor one").config(good("scheduler { type = plateau, factor = 1 }")).mentions("scheduler.factor", "out of range");
        c("cosine min-factor").config(good("scheduler { type = cosine, min-factor = 2 }")).mentions("scheduler.min-factor", "range");
        c("adam beta1 one").config(good("optimizer { type = adam, beta1 = 1 }")).mentions("optimizer.beta1", "out of range [0, 1)");
        c("sgd momentum").config(good("optimizer { type = sgd, momentum = 1.5 }")).mentions("optimizer.momentum", "out of range");
        c("sgd nesterov words").config(good("optimizer { type = sgd, nesterov = \"yes please\" }"))
                .mentions("optimizer.nesterov", "true or false");
        c("adam key on sgd").config(good("optimizer { type = sgd, beta1 = 0.9 }")).mentions("optimizer.beta1", "unknown key");
        c("sine shots zero").config(good("dataset.shots = 0")).mentions("dataset.shots", "out of range");
        c("maml meta-batch zero").config(good("algorithm.meta-batch = 0")).mentions("algorithm.meta-batch", "out of range");
        c("maml inner-lr zero").config(good("algorithm.inner-lr = 0")).mentions("algorithm.inner-lr", "(0, inf)");
        c("mgda normalization").config(MTL.replace("type = ls", "type = mgda, normalization = loss-plus"))
                .mentions("weighting.normalization", "none, l2, loss, loss+");
        c("famo w-lr zero").config(MTL.replace("type = ls", "type = famo, w-lr = 0")).mentions("weighting.w-lr", "out of range");
        c("uw tasks zero").config(MTL.replace("type = ls", "type = uw, tasks = 0")).mentions("weighting.tasks", "out of range");
        c("cagrad rescale").config(MTL.replace("type = ls", "type = cagrad, rescale = 3")).mentions("weighting.rescale", "0, 1, 2");
        c("nashmtl every fraction").config(MTL.replace("type = ls", "type = nashmtl, update-weights-every = 1.5"))
                .mentions("weighting.update-weights-every", "whole");
        c("six problems at once").config("""
                experiment { name = t, stpes = 10 }
                algorithm { type = maml, inner-steps = "three", inner-lr = -1 }
                dataset { type = sine, shots = 2.5 }
                model { type = mpl }
                optimiser { type = adam }
                """).mentions("6 configuration errors", "did you mean 'steps'", "did you mean 'mlp'");

        // ---- what only the plugins and the run length can check ----
        c("empty file").config("").mentions("c.conf", "missing section: algorithm", "maml");
        c("only experiment").config("experiment { name = t }\n").mentions("missing section: dataset");
        c("epochs with maml").config(good("experiment.epochs = 3")).mentions("experiment.epochs", "set experiment.steps");
        c("eval-every-epochs with maml").config(good("experiment.eval-every-epochs = 1"))
                .mentions("experiment.eval-every-epochs", "set experiment.eval-every");
        // cuda:99 fails on every build: a CPU build has no CUDA (the message names -Pcuda), a GPU build
        // has no 100th GPU; the second case also checks that an unquoted cuda:N override parses
        c("cuda device that is not there").config(good("experiment.device = \"cuda:99\"")).mentions("experiment.device", "cuda:99");
        c("cuda:99 unquoted").config(GOOD, "experiment.device=cuda:99").mentions("experiment.device", "cuda:99");
        c("unknown device").config(good("experiment.device = tpu")).mentions("experiment.device", "tpu");
        c("multitask on sine").config(GOOD.replace("type = maml, meta-batch = 2, eval-tasks = 2, eval-extra-steps = 0",
                "type = multitask") + "weighting { type = ls }\n").mentions("multitask", "MultiTaskDataset", "sine");
        c("lenet-hps on sine").config(GOOD.replace("model { type = mlp, hidden = [4] }", "model { type = lenet-hps }"))
                .mentions("lenet-hps", "images");
        c("famo under maml").config(good("weighting { type = famo }")).mentions("weighting", "new tasks every step");
        c("uw under maml").config(good("weighting { type = uw }")).mentions("weighting", "parameters of its own");
        c("graddrop under maml").config(good("weighting { type = graddrop }"))
                .mentions("weighting", "shared representation");
        c("weighting under unbatched maml").config(good("weighting { type = pcgrad }")
                .replace("type = maml", "type = maml, batched = false")).mentions("weighting", "batched = true");
        c("amplitude min above max").config(good("dataset { amplitude-min = 3, amplitude-max = 2.5 }"))
                .mentions("amplitude-min", "amplitude-max");
        c("x-min equals x-max").config(good("dataset { x-min = 1, x-max = 1 }")).mentions("x-min", "x-max");
        c("famo min-losses length").config(MTL.replace("type = ls", "type = famo, min-losses = [0, 0, 0]"))
                .mentions("min-losses", "3");
        c("ls weights length").config(MTL.replace("type = ls", "type = ls, weights = [1, 2, 3]")).mentions("weights");
        c("unknown task").config(MTL.replace("experiment {", "experiment { tasks = [middle],"))
                .mentions("experiment.tasks", "middle", "left");
        c("tasks of a single-task dataset").config(good("experiment { tasks = [y] }")).mentions("experiment.tasks", "sine");
        c("multitask without weighting").config(MTL.replace("weighting { type = ls }", ""))
                .mentions("weighting", "type = ls");
        c("multitask with mlp").config(MTL.replace("model { type = lenet-hps, conv1-channels = 2, conv2-channels = 2, hidden = 4 }",
                "model { type = mlp }")).mentions("mlp");
        c("maml on multi-fashion").config(MTL.replace("type = multitask, batch-size = 8, eval-batch-size = 8", "type = maml")
                .replace("weighting { type = ls }", "")).mentions("maml", "TaskSource");
        c("validation-size too large").config(MTL.replace("validation-size = 8", "validation-size = 64"))
                .mentions("validation-size", "64");

        // ---- syntax, substitutions, includes ----
        c("missing brace").config("algorithm { type = maml\n").mentions("c.conf", "'{' opened at line 1", "'}'");
        c("missing bracket").config(good("model.hidden = [4, 4")).mentions("c.conf", "'['", "']'");
        c("double equals").config("algorithm { type = = maml }\n").mentions("c.conf:1");
        c("unterminated string").config(good("experiment.name = \"abc")).mentions("c.conf:5");
        c("unresolved substitution").config(good("dataset.shots = ${nope}")).mentions("c.conf:5", "nope");
        c("missing include").config("include \"nothere.conf\"\n" + GOOD).mentions("c.conf:1", "nothere.conf", "no such file");
        c("missing required include").config("include required(\"nothere.conf\")\n" + GOOD)
                .mentions("c.conf:1", "nothere.conf", "no such file");
        c("missing file include").config("include file(\"nothere.conf\")\n" + GOOD).mentions("c.conf:1", "nothere.conf");
        c("include cycle").file("b.conf", "include \"c.conf\"\n").config("include \"b.conf\"\n" + GOOD)
                .mentions("include cycle", "b.conf", "c.conf");
        c("include itself").config("include \"c.conf\"\n" + GOOD).mentions("include cycle", "c.conf");
        c("error inside an include").file("base.conf", GOOD.replace("meta-batch = 2", "meta-btch = 2"))
                .config("include \"base.conf\"\n").mentions("base.conf:2", "algorithm.meta-btch", "did you mean 'meta-batch'");
        c("syntax error inside an include").file("base.conf", "algorithm { type = maml\n").config("include \"base.conf\"\n")
                .mentions("base.conf", "'}'");
        c("include a folder").file("sub/x", "").config("include \"sub\"\n" + GOOD).mentions("sub", "folder");
        c("missing config file").args("{cmd}", "--config", "{dir}/nope.conf").mentions("nope.conf", "no such file");
        c("config is a folder").file("folder.conf/x", "").args("{cmd}", "--config", "{dir}/folder.conf").mentions("it is a folder");
        c("bundled name typo").args("{cmd}", "--config", "maml-sin.conf").mentions("did you mean 'maml-sine.conf'");
        c("suite config to run").args("run", "--config", "suite-multifashion.conf").mentions("meta4j suite --config");

        // ---- overrides ----
        c("override without =").config(GOOD, "seed").mentions("seed", "expected key=value");
        c("override without key").config(GOOD, "=3").mentions("=3", "expected key=value");
        c("override unknown key").config(GOOD, "algorithm.first-ordr=true")
                .mentions("command line argument 'algorithm.first-ordr=true'", "did you mean 'first-order'");
        c("override word for number").config(GOOD, "experiment.steps=many").mentions("experiment.steps", "expected a number");
        c("override broken list").config(GOOD, "model.hidden=[40,").mentions("model.hidden", "expected a list");
        c("override unknown section").config(GOOD, "optimiser.lr=0.1").mentions("optimiser", "did you mean 'optimizer'");
        c("override empty path element").config(GOOD, "experiment..seed=3").mentions("experiment..seed");
        c("override fraction for whole").config(GOOD, "algorithm.inner-steps=2.5").mentions("algorithm.inner-steps", "whole");
        c("override huge seed").config(GOOD, "experiment.seed=1e30").mentions("experiment.seed", "too large");
        c("override switches to unknown type").config(GOOD, "model.type=lenet").mentions("model.type", "lenet-hps");

        // ---- command-line usage ----
        c("unknown option").args("run", "--confg", "x.conf").mentions("--confg");
        c("unknown command").args("trian").mentions("trian");
        c("validate without config").args("validate").mentions("--config");
        c("describe unknown plugin").args("describe", "famoo").mentions("famoo", "did you mean 'famo'");
        c("describe without name").args("describe").mentions("NAME");
        c("bench bad vary").args("bench", "--config", "{dir}/c.conf", "--vary", "nonsense").file("c.conf", GOOD)
                .mentions("--vary", "KEY=V1,V2");
        c("missing plugins folder").args("list", "--plugins", "{dir}/noplugins").mentions("noplugins", "does not exist");
        c("option without its value").args("run", "--config").mentions("--config");

        // ---- suites ----
        String suiteBase = MTL + "suite { name = s, seeds = [0], methods = [ls] }\n";
        c("suite seeds a word").suite(suiteBase.replace("seeds = [0]", "seeds = \"abc\"")).mentions("suite.seeds", "whole numbers");
        c("suite fractional seed").suite(suiteBase.replace("seeds = [0]", "seeds = [0, 1.5]")).mentions("suite.seeds");
        c("suite duplicate method").suite(suiteBase.replace("methods = [ls]", "methods = [ls, famo, ls]"))
                .mentions("suite.methods", "'ls' is listed twice");
        c("suite duplicate seed").suite(suiteBase.replace("seeds = [0]", "seeds = [0, 0]")).mentions("suite.seeds", "twice");
        c("suite without methods").suite(suiteBase.replace(", methods = [ls]", "")).mentions("suite.methods");
        c("suite methods not names").suite(suiteBase.replace("methods = [ls]", "methods = [{a = 1}]")).mentions("suite.methods");
        c("suite unknown key").suite(suiteBase.replace("seeds = [0]", "seed = [0]")).mentions("suite.seed", "did you mean 'seeds'");
        c("suite overrides for other method").suite(suiteBase.replace("methods = [ls]",
                "methods = [ls], method-overrides { famo { weighting.gamma = 0.1 } }")).mentions("suite.method-overrides.famo");
        c("suite duplicate single-task").suite(suiteBase.replace("methods = [ls]", "methods = [ls], single-task = [left, left]"))
                .mentions("suite.single-task", "twice");
        c("suite unknown method").suite(suiteBase.replace("methods = [ls]", "methods = [ls, famoo]"))
                .mentions("weighting.type", "famoo", "did you mean 'famo'");
        c("suite method that fails its checks").suite(suiteBase.replace("methods = [ls]",
                "methods = [ls, famo], method-overrides { famo { weighting.min-losses = [0, 0, 0] } }")).mentions("min-losses");
        c("suite given to suite with a bad base").args("suite", "--config", "{dir}/c.conf")
                .file("c.conf", suiteBase.replace("hidden = 4", "hidden = 4.5")).mentions("model.hidden", "whole");

        c("suite label not a folder name").suite(suiteBase.replace("methods = [ls]", "methods = [\"a/b\"]"))
                .mentions("suite.methods", "cannot be a folder name");
        c("suite executor unknown").suite(suiteBase.replace("methods = [ls]", "methods = [ls], executor = slurmm"))
                .mentions("suite.executor", "slurmm");
        c("suite executor key typo").suite(suiteBase.replace("methods = [ls]", "methods = [ls], local { worker = 2 }"))
                .mentions("suite.local.worker", "did you mean 'workers'");
        c("suite local workers zero").suite(suiteBase.replace("methods = [ls]", "methods = [ls], local { workers = 0 }"))
                .mentions("suite.local.workers");
        c("suite slurm option with a space").suite(suiteBase.replace("methods = [ls]",
                "methods = [ls], slurm { partition = \"a b\" }")).mentions("suite.slurm.partition", "one word");
        c("suite slurm extra not an option").suite(suiteBase.replace("methods = [ls]",
                "methods = [ls], slurm { extra = [\"qos=normal\"] }")).mentions("suite.slurm.extra", "sbatch options");
        c("suite --executor unknown").args("suite", "--config", "{dir}/c.conf", "--executor", "slrum").file("c.conf", suiteBase)
                .mentions("--executor", "did you mean 'slurm'");
        c("suite --status of a folder that is no suite's").args("suite", "--status", "{dir}").exit(1)
                .mentions("is not a suite folder", "suite.json");
        c("suite --resume of a folder that is no suite's").args("suite", "--resume", "{dir}").exit(1)
                .mentions("is not a suite folder");
        c("suite --config with --collect").args("suite", "--config", "{dir}/c.conf", "--collect", "{dir}")
                .file("c.conf", suiteBase).mentions("exactly one of");

        // ---- datasets ----
        c("missing dataset root").config(MTL.replace("{fashion}", "{dir}/nofashion")).mentions("nofashion", "does not exist");
        c("dataset root is a file").file("rootfile", "x").config(MTL.replace("{fashion}", "{dir}/rootfile")).mentions("rootfile");
        c("dataset file missing").file("fm/", fashionWithout("t10k-labels-idx1-ubyte.gz"))
                .config(MTL.replace("{fashion}", "{dir}/fm")).mentions("t10k-labels-idx1-ubyte");
        c("wrong IDX magic").file("fm/", fashionWith("train-images-idx3-ubyte.gz", gzip(new byte[] {0, 0, 9, 9, 0, 0, 0, 1})))
                .config(MTL.replace("{fashion}", "{dir}/fm")).mentions("train-images-idx3-ubyte");
        c("truncated images").file("fm/", fashionTruncated("train-images-idx3-ubyte.gz"))
                .config(MTL.replace("{fashion}", "{dir}/fm")).mentions("train-images-idx3-ubyte");
        c("truncated labels").file("fm/", fashionTruncated("t10k-labels-idx1-ubyte.gz"))
                .config(MTL.replace("{fashion}", "{dir}/fm")).mentions("t10k-labels-idx1-ubyte");
        c("not gzip").file("fm/", fashionWith("train-labels-idx1-ubyte.gz", "not gzip".getBytes(StandardCharsets.UTF_8)))
                .config(MTL.replace("{fashion}", "{dir}/fm")).mentions("train-labels-idx1-ubyte");
        // The issue-10 benchmarks (their readers' own tests cover every bad input; these go through the CLI).
        c("nyuv2 split folder missing").file("nyu/train/image/README", "").config(withDataset("type = nyuv2, root = \"{dir}/nyu\""))
                .mentions("nyu/val", "is missing", "{train,val}/{image,label,depth,normal}/<i>.npy");
        c("nyuv2 without root").config(withDataset("type = nyuv2")).mentions("nyuv2 needs dataset.root");
        c("malformed CelebA line").file("cb/Img/img_align_celeba/000001.jpg", "x")
                .file("cb/Anno/list_attr_celeba.txt", "1\nSmiling Young\n000001.jpg 1\n")
                .file("cb/Eval/list_eval_partition.txt", "000001.jpg 0\n")
                .config(withDataset("type = celeba, root = \"{dir}/cb\""))
                .mentions("list_attr_celeba.txt:3", "expected an image name and 2 values of 1 or -1");
        c("SDF record that does not parse").file("q/gdb9.sdf", "gdb_1\n     RDKit          3D\n\n  ?  0  0  0  0  0  0  0  0  0999 V2000\n")
                .file("q/gdb9.sdf.csv", "mol_id,A,B,C,mu,alpha,homo,lumo,gap,r2,zpve,u0,u298,h298,g298,cv,u0_atom,u298_atom,"
                        + "h298_atom,g298_atom\ngdb_1" + ",1".repeat(19) + "\n")
                .file("q/uncharacterized.txt", "h\n".repeat(9) + "footer\n")
                .config(withDataset("type = qm9, root = \"{dir}/q\""))
                .mentions("gdb9.sdf:4: record 'gdb_1'", "is not the atom count");

        // ---- checkpoints (messages belong to the crash-safety work: exit, path, no trace) ----
        c("resume missing folder").args("run", "--resume", "{dir}/norun").exit(-1).mentions("norun");
        c("resume folder without config").file("run/x", "").args("run", "--resume", "{dir}/run").exit(-1).mentions("run");
        // (a run folder with no checkpoint yet is not bad input: it trains again from step 0)
        c("resume with an unsafe override").file("run/config.conf", GOOD)
                .args("run", "--resume", "{dir}/run", "experiment.seed=3").exit(2).mentions("experiment.seed", "cannot change");
        c("resume garbage checkpoint").file("run/config.conf", GOOD).file("run/checkpoints/last", "garbage")
                .args("run", "--resume", "{dir}/run").exit(-1).mentions("run");
        c("resume empty checkpoint").file("run/config.conf", GOOD).file("run/checkpoints/last", "")
                .args("run", "--resume", "{dir}/run").exit(-1).mentions("run");

        // ---- plugin jars ----
        c("garbage jar").file("plugins/bad.jar", "not a zip").args("list", "--plugins", "{dir}/plugins")
                .mentions("bad.jar", "not a readable jar", "remove it");
        c("folder named .jar").file("plugins/x.jar/y", "").args("list", "--plugins", "{dir}/plugins")
                .mentions("x.jar", "is a folder");
        c("broken reference.conf").file("plugins/ref.jar", jar(Map.of("reference.conf", "meta4j.algorithm.x { a = \n")))
                .args("describe", "maml", "--plugins", "{dir}/plugins").mentions("ref.jar", "reference.conf", "1");
        c("services without class").file("plugins/nocls.jar", jar(Map.of(
                "META-INF/services/dev.meta4j.api.algorithm.AlgorithmFactory", "com.example.Missing$Factory\n")))
                .args("list", "--plugins", "{dir}/plugins")
                .mentions("nocls.jar", "META-INF/services/dev.meta4j.api.algorithm.AlgorithmFactory", "com.example.Missing$Factory");
        Map<String, String> dup = Map.of("META-INF/services/dev.meta4j.api.algorithm.AlgorithmFactory", "com.example.Dup$Factory\n");
        c("two versions of one jar").file("plugins/dup-1.0.jar", jar(dup)).file("plugins/dup-1.1.jar", jar(dup))
                .args("list", "--plugins", "{dir}/plugins").mentions("dup-1.0.jar", "dup-1.1.jar", "com.example.Dup$Factory");
        c("copy of a built-in plugin").file("plugins/famo-copy.jar", jar(Map.of(
                "META-INF/services/dev.meta4j.api.weighting.WeightingFactory", "dev.meta4j.weighting.Famo$Factory\n")))
                .args("list", "--plugins", "{dir}/plugins").mentions("famo-copy.jar", "dev.meta4j.weighting.Famo$Factory", "already");
        c("bad jar under run").file("plugins/bad.jar", "not a zip").file("c.conf", GOOD)
                .args("run", "--config", "{dir}/c.conf", "--plugins", "{dir}/plugins").mentions("bad.jar");

        // ---- runs that fail while running ----
        c("diverging run").file("c.conf", good("optimizer { type = sgd, lr = 1e30 }\nexperiment.steps = 50\nalgorithm.inner-lr = 1e10"))
                .args("run", "--config", "{dir}/c.conf").exit(1).mentions("loss");
    }

    // ---- fixtures ----

    /** A fashion folder as a map of files, written when the case runs. */
    private static Map<String, byte[]> fashionFiles() {
        Path scratch = tmp.resolve("scratch-" + System.nanoTime());
        IdxFixtures.fashion(scratch, 32, 16, true, 1);
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(scratch)) {
            for (Path p : s.toList()) {
                out.put(p.getFileName().toString(), Files.readAllBytes(p));
                Files.delete(p);
            }
            Files.delete(scratch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static Fixture fashionWithout(String file) {
        return () -> {
            Map<String, byte[]> f = fashionFiles();
            f.remove(file);
            return f;
        };
    }

    private static Fixture fashionWith(String file, byte[] content) {
        return () -> {
            Map<String, byte[]> f = fashionFiles();
            f.put(file, content);
            return f;
        };
    }

    private static Fixture fashionTruncated(String file) {
        return () -> {
            Map<String, byte[]> f = fashionFiles();
            byte[] whole = ungzip(f.get(file));
            f.put(file, gzip(Arrays.copyOf(whole, whole.length / 2)));
            return f;
        };
    }

    /** Files of a folder, made when the case runs (the temp folder exists only then). */
    private interface Fixture {
        Map<String, byte[]> files();
    }

    private static byte[] gzip(byte[] b) {
        var out = new java.io.ByteArrayOutputStream();
        try (var g = new java.util.zip.GZIPOutputStream(out)) {
            g.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] ungzip(byte[] b) {
        try (var g = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(b))) {
            return g.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] jar(Map<String, String> entries) {
        var bytes = new java.io.ByteArrayOutputStream();
        try (JarOutputStream j = new JarOutputStream(bytes)) {
            for (var e : new TreeMap<>(entries).entrySet()) {
                j.putNextEntry(new ZipEntry(e.getKey()));
                j.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                j.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @BeforeAll
    static void fixtures() {
        fashion = tmp.resolve("fashion");
        IdxFixtures.fashion(fashion, 32, 16, true, 1);
    }

    // ---- the replay ----

    @Test
    void everyBadInputGivesAClearErrorAndWritesNothing() throws IOException {
        assertTrue(CASES.size() >= 100, "the catalogue has " + CASES.size() + " cases");
        Path cwd = Path.of("").toAbsolutePath();
        List<String> failures = new ArrayList<>();
        int clear = 0;
        int traces = 0;
        int replays = 0;
        for (int i = 0; i < CASES.size(); i++) {
            Case c = CASES.get(i);
            Path dir = tmp.resolve(String.format("case-%03d", i));
            Files.createDirectories(dir);
            write(c, dir);
            List<String> commands = List.of(c.args).contains("{cmd}") ? List.of("validate", "run")
                    : List.of(c.args).contains("{suitecmd}") ? List.of("validate", "suite") : List.of("");
            boolean ok = true;
            for (String command : commands) {
                Map<String, FileTime> before = snapshot(tmp, cwd);
                String[] args = Arrays.stream(c.args)
                        .map(a -> a.equals("{cmd}") || a.equals("{suitecmd}") ? command : a.replace("{dir}", dir.toString()))
                        .toArray(String[]::new);
                Cli cli = Cli.run(args);
                replays++;
                String text = cli.out() + cli.err();
                List<String> wrong = new ArrayList<>();
                if (c.exit == -1 ? cli.exitCode() == 0 : cli.exitCode() != c.exit) {
                    wrong.add("exit " + cli.exitCode() + ", expected " + (c.exit == -1 ? "non-zero" : c.exit));
                }
                for (String m : c.mentions) {
                    if (!cli.err().contains(m.replace("{dir}", dir.toString()))) {
                        wrong.add("does not mention '" + m + "'");
                    }
                }
                if (text.contains("\tat ") || text.contains("Exception")) {
                    wrong.add("prints a stack trace or exception name");
                    traces++;
                }
                Map<String, FileTime> after = snapshot(tmp, cwd);
                Path runs = dir.resolve("runs");
                List<String> written = after.keySet().stream()
                        .filter(p -> !before.containsKey(p) || !before.get(p).equals(after.get(p)))
                        .filter(p -> c.exit != 1 || !Path.of(p).startsWith(runs))
                        // a resume may lock its own run folder and log to it, nothing else
                        .filter(p -> !List.of(c.args).contains("--resume") || !Path.of(p).startsWith(dir.resolve("run")))
                        .toList();
                if (!written.isEmpty()) {
                    wrong.add("wrote " + written);
                }
                if (!wrong.isEmpty()) {
                    ok = false;
                    failures.add(c.name + " [" + String.join(" ", args) + "]: " + String.join("; ", wrong) + "\n    " + cli.err().strip()
                            .replace("\n", "\n    "));
                }
            }
            if (ok) {
                clear++;
            }
        }
        System.out.printf("bad-input catalogue: %d cases (%d replays), %d clear errors, %d stack traces%n",
                CASES.size(), replays, clear, traces);
        assertTrue(failures.isEmpty(), failures.size() + " cases failed:\n" + String.join("\n", failures));
    }

    private static void write(Case c, Path dir) throws IOException {
        for (var e : c.files.entrySet()) {
            Path p = dir.resolve(e.getKey());
            Object content = e.getValue();
            if (content instanceof Fixture f) {
                Files.createDirectories(p);
                for (var file : f.files().entrySet()) {
                    Files.write(p.resolve(file.getKey()), file.getValue());
                }
                continue;
            }
            Files.createDirectories(p.getParent());
            byte[] bytes = content instanceof byte[] b ? b
                    : ((String) content).replace("{dir}", dir.toString()).replace("{fashion}", fashion.toString())
                            .getBytes(StandardCharsets.UTF_8);
            try (OutputStream out = Files.newOutputStream(p)) {
                out.write(bytes);
            }
        }
    }

    /** Every file below the temp folder and the working folder (without build outputs), with its time. */
    private static Map<String, FileTime> snapshot(Path tmp, Path cwd) throws IOException {
        Map<String, FileTime> out = new TreeMap<>();
        for (Path root : List.of(tmp, cwd)) {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.filter(p -> !p.startsWith(cwd.resolve("target")) && !p.startsWith(cwd.resolve(".git"))).toList()) {
                    if (Files.isRegularFile(p) || (Files.isDirectory(p) && !p.equals(root))) {
                        out.put(p.toString(), Files.isRegularFile(p) ? Files.getLastModifiedTime(p) : FileTime.fromMillis(0));
                    }
                }
            }
        }
        return out;
    }
}
