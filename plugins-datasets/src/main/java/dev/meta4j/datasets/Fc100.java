package dev.meta4j.datasets;

import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.DatasetFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Few-shot episodes on FC100 (Oreshkin et al. 2018, TADAM): CIFAR-100 split by superclass, so that
 * test classes share little with training classes; 12 superclasses (60 classes) for training, 4
 * (20) for validation, 4 (20) for testing, 600 32×32 RGB images per class. Layouts ({@code
 * layout}): {@code cifar100}, CIFAR-100's binary or Python files ({@link Cifar100Files}) with the
 * superclass split shipped under {@code splits/fc100/oreshkin} (the assignment of the TADAM paper's
 * supplementary material, as torchmeta carries it: validation large carnivores, large omnivores and
 * herbivores, non-insect invertebrates, small mammals; test aquatic mammals, insects, medium
 * mammals, people); {@code metaoptnet}, MetaOptNet's {@code FC100_{train,val,test}.pickle}
 * ({@link MetaOptNetPickles}); {@code auto} (default), the first that {@code root} holds. Classes of
 * a split are in fine-label order. Augmentation as {@code cifar-fs}.
 */
public final class Fc100 extends EpisodicImageSource {

    private Fc100(FewShotImages.Built b) {
        super(b.sampler(), b.spec());
    }

    static final Map<Split, String> METAOPTNET = Map.of(Split.TRAIN, "FC100_train.pickle",
            Split.VALIDATION, "FC100_val.pickle", Split.TEST, "FC100_test.pickle");

    static final String LAYOUTS = "CIFAR-100's binary or Python files; or MetaOptNet's FC100_{train,val,test}.pickle";

    static Fc100 create(Config c, DataType dataType) {
        FewShotImages.Common common = FewShotImages.Common.of(c);
        Path root = FewShotImages.requireFolder(common.root(), "FC100: " + LAYOUTS);
        String layout = c.getString("layout");
        if (layout.equals("auto")) {
            layout = Cifar100Files.locate(root) != null ? "cifar100"
                    : Files.isRegularFile(root.resolve(METAOPTNET.get(Split.TRAIN))) ? "metaoptnet" : null;
            if (layout == null) {
                throw new IllegalArgumentException(root + " holds no FC100 layout; expected " + LAYOUTS);
            }
        }
        FewShotImages.Loaded loaded;
        if (layout.equals("cifar100")) {
            Cifar100Files.Data d = Cifar100Files.load(root);
            loaded = new FewShotImages.Loaded(Cifar100Files.classes(d, common.side()), bySuperclass(d),
                    "the FC100 superclass split (shipped)");
        } else {
            loaded = MetaOptNetPickles.load(MiniImageNet.resolve(root, METAOPTNET), common.side());
        }
        return new Fc100(FewShotImages.build(c, common, loaded, 3, dataType));
    }

    /** The fine classes of each split's superclasses, in fine-label order. */
    static Map<Split, List<String>> bySuperclass(Cifar100Files.Data d) {
        Map<Split, List<String>> superclasses = FewShotImages.shippedSplit("fc100/oreshkin");
        boolean[][] member = new boolean[d.fineNames().size()][d.coarseNames().size()];
        for (int i = 0; i < d.fine().length; i++) {
            member[d.fine()[i]][d.coarse()[i]] = true;
        }
        Map<Split, List<String>> out = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            List<String> fine = new ArrayList<>();
            for (String sc : superclasses.get(s)) {
                int k = d.coarseNames().indexOf(sc);
                if (k < 0) {
                    throw new IllegalArgumentException("the FC100 split names superclass '" + sc + "', which "
                            + d.where() + " does not have (its superclasses: " + d.coarseNames() + ")");
                }
                for (int f = 0; f < d.fineNames().size(); f++) {
                    if (member[f][k]) {
                        fine.add(d.fineNames().get(f));
                    }
                }
            }
            out.put(s, fine);
        }
        return out;
    }

    /** Registers {@code fc100}. */
    @AutoService(DatasetFactory.class)
    public static final class Factory implements DatasetFactory {
        @Override
        public String name() {
            return "fc100";
        }

        @Override
        public String summary() {
            return "FC100 N-way K-shot episodes (CIFAR-100 split by superclass 12/4/4 = 60/20/20 classes, or"
                    + " MetaOptNet pickles; 32x32 RGB)";
        }

        @Override
        public Dataset create(PluginContext ctx) {
            return Fc100.create(ctx.config(), ctx.dataType());
        }
    }
}
