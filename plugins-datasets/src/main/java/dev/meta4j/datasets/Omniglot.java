package dev.meta4j.datasets;

import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.DatasetFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Few-shot episodes on Omniglot (Lake et al. 2015): 1,623 handwritten characters of 50 alphabets,
 * 20 drawings each, read by {@link OmniglotFiles} from the folders or zips as distributed.
 *
 * <p><b>Pixels.</b> As learn2learn's Omniglot benchmark: grey ({@code convert("L")}, 0 or 255),
 * resized to {@code image-size} (28) with PIL's Lanczos filter ({@link LanczosResize}, exact to
 * the bit), then {@code 1 - v / 255}, so strokes are 1 and the background 0. (The official
 * ProtoNet code resizes with PIL's default filter after rotating; MAML's resizes once with Lanczos.)
 *
 * <p><b>Rotations.</b> With {@code rotations = classes} (default) every character under 0°, 90°,
 * 180° and 270° ({@code numpy.rot90}, counter-clockwise, of the resized image) is a class of its
 * own, as in Vinyals et al. 2016 and Snell et al. 2017, and all four stay in the character's split;
 * {@code none} keeps the 1,623 characters. MAML's and learn2learn's code instead rotate each class of
 * an episode by a random multiple of 90° (an augmentation, not new classes); that is not offered.
 *
 * <p><b>Splits</b> ({@code split}), by character:
 * <ul>
 *   <li>{@code vinyals} (default): the lists of Vinyals et al. 2016 as the official ProtoNet code
 *       ships them ({@code data/omniglot/splits/vinyals}), shipped here under {@code
 *       splits/omniglot/vinyals}: 1,028 training, 172 validation and 423 test characters (4,112 /
 *       688 / 1,692 classes with rotations). A character on a list that the data lack is an error.</li>
 *   <li>{@code maml}: Finn et al.'s 1,100 / 100 / 423 ({@code train-characters}, {@code
 *       validation-characters}, the rest for testing). MAML's code shuffles {@code os.listdir}'s
 *       order with Python's {@code random.seed(1)}, an order that differs between file systems, and
 *       learn2learn's benchmark shuffles with no seed at all (learn2learn issue 361); here it is
 *       the permutation {@code EpisodicImages.splitGroups} draws with {@code split-seed} of the
 *       characters sorted by name, the same on every machine. It is not MAML's split.</li>
 *   <li>{@code files}: {@code train.txt}, {@code val.txt}, {@code test.txt} in {@code
 *       split-folder}, one {@code Alphabet/characterNN} per line (a {@code /rotNNN} suffix, as in
 *       the ProtoNet lists, is ignored).</li>
 * </ul>
 */
public final class Omniglot extends EpisodicImageSource {

    private final ImageClasses classes;

    private Omniglot(FewShotImages.Built b) {
        super(b.sampler(), b.spec());
        this.classes = b.classes();
    }

    static Omniglot create(Config c, DataType dataType) {
        FewShotImages.Common common = FewShotImages.Common.of(c);
        int rotations = c.getString("rotations").equals("classes") ? 4 : 1;
        ImageClasses classes = new ImageClasses(OmniglotFiles.load(common.root(), common.side()), common.side(), 1,
                rotations, true, common.cache(), common.augmentation());
        Map<Split, int[]> split = switch (c.getString("split")) {
            case "vinyals" -> FewShotImages.byNames(classes, FewShotImages.shippedSplit("omniglot/vinyals"),
                    "the Vinyals split (shipped)", common.root());
            case "files" -> {
                if (!c.hasPath("split-folder")) {
                    throw new IllegalArgumentException("split = files needs split-folder, a folder with train.txt,"
                            + " val.txt and test.txt");
                }
                Path folder = Path.of(c.getString("split-folder"));
                Map<Split, List<String>> lists = new EnumMap<>(Split.class);
                FewShotImages.splitFiles(folder).forEach((s, lines) -> lists.put(s, characters(lines)));
                yield FewShotImages.byNames(classes, lists, "split folder " + folder, common.root());
            }
            default -> EpisodicImages.splitGroups(classes.baseCount(), c.getInt("train-characters"),
                    c.getInt("validation-characters"), c.getLong("split-seed"));
        };
        return new Omniglot(FewShotImages.build(c, classes, split, dataType));
    }

    /** {@code Alphabet/character01/rot090} → {@code Alphabet/character01}, without duplicates. */
    private static List<String> characters(List<String> lines) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String l : lines) {
            out.add(l.matches(".*/rot\\d{3}$") ? l.substring(0, l.lastIndexOf('/')) : l);
        }
        return new ArrayList<>(out);
    }

    /** @return the collection: base classes are characters */
    ImageClasses collection() {
        return classes;
    }

    /**
     * The classes of a split (character {@code b} under rotation {@code r} is {@code 4b + r}).
     *
     * @param split the split
     * @return a copy
     */
    int[] classes(Split split) {
        return sampler().classes(split);
    }

    /** Registers {@code omniglot}. */
    @AutoService(DatasetFactory.class)
    public static final class Factory implements DatasetFactory {
        @Override
        public String name() {
            return "omniglot";
        }

        @Override
        public String summary() {
            return "Omniglot N-way K-shot episodes (folders or zips; 28x28, inverted; rotations as classes;"
                    + " Vinyals or seeded MAML split)";
        }

        @Override
        public Dataset create(PluginContext ctx) {
            return Omniglot.create(ctx.config(), ctx.dataType());
        }
    }
}
