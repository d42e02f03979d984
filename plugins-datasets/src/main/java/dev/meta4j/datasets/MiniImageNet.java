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
import java.util.EnumMap;
import java.util.Map;

/**
 * Few-shot episodes on mini-ImageNet (Vinyals et al. 2016) with Ravi and Larochelle's class split
 * (64 training, 16 validation, 20 test classes of 600 images), in any of the forms it is
 * distributed in ({@code layout}):
 * <ul>
 *   <li>{@code csv}: {@code train.csv}, {@code val.csv}, {@code test.csv} and {@code images/}
 *       ({@link MiniImageNetCsv});</li>
 *   <li>{@code folders}: {@code train|val|test/<wnid>/*.jpg} ({@link ClassFolders});</li>
 *   <li>{@code learn2learn}: {@code mini-imagenet-cache-{train,validation,test}.pkl}
 *       ({@link MiniImageNetPickles});</li>
 *   <li>{@code metaoptnet}: {@code miniImageNet_category_split_{train_phase_train,val,test}.pickle}
 *       ({@link MetaOptNetPickles});</li>
 *   <li>{@code auto} (default): the first of these four that {@code root} holds.</li>
 * </ul>
 * Images are RGB at {@code image-size} (84); JPEGs of another size are resized with PIL's Lanczos
 * filter straight to a square, as the mini-ImageNet tools do (no aspect-preserving crop), and
 * decoded once into the bounded cache ({@code cache-megabytes}; 84×84×3 bytes an image, about 1.3
 * GB for all 60,000). CMYK and grey JPEGs are read as RGB ({@link ImageDecoder}). The pickles hold
 * decoded pixels and need no cache. Training augmentation: {@code augment} ({@link
 * Lee19Augmentation}, MetaOptNet's recipe, off by default).
 */
public final class MiniImageNet extends EpisodicImageSource {

    private MiniImageNet(FewShotImages.Built b) {
        super(b.sampler(), b.spec());
    }

    static final Map<Split, String> METAOPTNET = Map.of(
            Split.TRAIN, "miniImageNet_category_split_train_phase_train.pickle",
            Split.VALIDATION, "miniImageNet_category_split_val.pickle",
            Split.TEST, "miniImageNet_category_split_test.pickle");

    static MiniImageNet create(Config c, DataType dataType) {
        FewShotImages.Common common = FewShotImages.Common.of(c);
        Path root = FewShotImages.requireFolder(common.root(), "mini-ImageNet: " + LAYOUTS);
        String layout = c.getString("layout");
        if (layout.equals("auto")) {
            layout = MiniImageNetCsv.present(root) ? "csv"
                    : ClassFolders.present(root) ? "folders"
                    : MiniImageNetPickles.present(root) ? "learn2learn"
                    : Files.isRegularFile(root.resolve(METAOPTNET.get(Split.TRAIN))) ? "metaoptnet"
                    : null;
            if (layout == null) {
                throw new IllegalArgumentException(root + " holds no mini-ImageNet layout; expected " + LAYOUTS);
            }
        }
        FewShotImages.Loaded loaded = switch (layout) {
            case "csv" -> MiniImageNetCsv.load(root, common.side());
            case "folders" -> ClassFolders.bySplit(root, common.side(), 3);
            case "learn2learn" -> MiniImageNetPickles.load(root, common.side());
            default -> MetaOptNetPickles.load(resolve(root, METAOPTNET), common.side());
        };
        return new MiniImageNet(FewShotImages.build(c, common, loaded, 3, dataType));
    }

    static final String LAYOUTS = "train.csv, val.csv, test.csv with images/ (Ravi & Larochelle); or"
            + " train/, val/, test/ with one folder of JPEGs per class; or learn2learn's"
            + " mini-imagenet-cache-{train,validation,test}.pkl; or MetaOptNet's"
            + " miniImageNet_category_split_{train_phase_train,val,test}.pickle";

    static Map<Split, Path> resolve(Path root, Map<Split, String> names) {
        Map<Split, Path> out = new EnumMap<>(Split.class);
        names.forEach((s, n) -> out.put(s, root.resolve(n)));
        return out;
    }

    /** Registers {@code mini-imagenet}. */
    @AutoService(DatasetFactory.class)
    public static final class Factory implements DatasetFactory {
        @Override
        public String name() {
            return "mini-imagenet";
        }

        @Override
        public String summary() {
            return "mini-ImageNet N-way K-shot episodes (Ravi-Larochelle CSVs, class folders, learn2learn or"
                    + " MetaOptNet pickles; 84x84 RGB)";
        }

        @Override
        public Dataset create(PluginContext ctx) {
            return MiniImageNet.create(ctx.config(), ctx.dataType());
        }
    }
}
