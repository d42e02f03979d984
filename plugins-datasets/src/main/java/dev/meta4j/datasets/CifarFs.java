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
import java.util.List;
import java.util.Map;

/**
 * Few-shot episodes on CIFAR-FS (Bertinetto et al. 2019): the 100 CIFAR-100 classes split 64 / 16
 * / 20 at random by the authors, 600 32×32 RGB images each. Layouts ({@code layout}):
 * <ul>
 *   <li>{@code folders}: Bertinetto et al.'s {@code data/<class>/*.png} with {@code
 *       splits/bertinetto/{train,val,test}.txt} ({@link ClassFolders}); when the {@code splits}
 *       folder is absent, the lists shipped here are used;</li>
 *   <li>{@code cifar100}: CIFAR-100's binary or Python files ({@link Cifar100Files}) with the
 *       shipped lists;</li>
 *   <li>{@code metaoptnet}: MetaOptNet's {@code CIFAR_FS_{train,val,test}.pickle}
 *       ({@link MetaOptNetPickles});</li>
 *   <li>{@code auto} (default): the first of these that {@code root} holds.</li>
 * </ul>
 * The shipped lists ({@code splits/cifar-fs/bertinetto}, sorted by name) are Bertinetto et al.'s
 * class lists as torchmeta carries them ({@code datasets/assets/cifar100/cifar-fs}). A list naming a
 * class the data lack is an error. Augmentation with {@code augment-padding = 4}, as MetaOptNet
 * crops CIFAR images.
 */
public final class CifarFs extends EpisodicImageSource {

    private CifarFs(FewShotImages.Built b) {
        super(b.sampler(), b.spec());
    }

    static final Map<Split, String> METAOPTNET = Map.of(Split.TRAIN, "CIFAR_FS_train.pickle",
            Split.VALIDATION, "CIFAR_FS_val.pickle", Split.TEST, "CIFAR_FS_test.pickle");

    static final String LAYOUTS = "data/<class>/*.png with splits/bertinetto/{train,val,test}.txt (Bertinetto et al.);"
            + " or CIFAR-100's binary or Python files; or MetaOptNet's CIFAR_FS_{train,val,test}.pickle";

    static CifarFs create(Config c, DataType dataType) {
        FewShotImages.Common common = FewShotImages.Common.of(c);
        Path root = FewShotImages.requireFolder(common.root(), "CIFAR-FS: " + LAYOUTS);
        String layout = c.getString("layout");
        if (layout.equals("auto")) {
            layout = Files.isDirectory(root.resolve("data")) ? "folders"
                    : Cifar100Files.locate(root) != null ? "cifar100"
                    : Files.isRegularFile(root.resolve(METAOPTNET.get(Split.TRAIN))) ? "metaoptnet" : null;
            if (layout == null) {
                throw new IllegalArgumentException(root + " holds no CIFAR-FS layout; expected " + LAYOUTS);
            }
        }
        FewShotImages.Loaded loaded = switch (layout) {
            case "folders" -> {
                Path lists = root.resolve("splits").resolve("bertinetto");
                boolean own = Files.isDirectory(lists);
                yield ClassFolders.byLists(root.resolve("data"), own ? FewShotImages.splitFiles(lists) : bertinetto(),
                        own ? "split folder " + lists : "the Bertinetto split (shipped)", common.side(), 3);
            }
            case "cifar100" -> new FewShotImages.Loaded(Cifar100Files.classes(Cifar100Files.load(root), common.side()),
                    bertinetto(), "the Bertinetto split (shipped)");
            default -> MetaOptNetPickles.load(MiniImageNet.resolve(root, METAOPTNET), common.side());
        };
        return new CifarFs(FewShotImages.build(c, common, loaded, 3, dataType));
    }

    static Map<Split, List<String>> bertinetto() {
        return FewShotImages.shippedSplit("cifar-fs/bertinetto");
    }

    /** Registers {@code cifar-fs}. */
    @AutoService(DatasetFactory.class)
    public static final class Factory implements DatasetFactory {
        @Override
        public String name() {
            return "cifar-fs";
        }

        @Override
        public String summary() {
            return "CIFAR-FS N-way K-shot episodes (class folders + Bertinetto lists, CIFAR-100 files, or MetaOptNet"
                    + " pickles; 32x32 RGB, 64/16/20 classes)";
        }

        @Override
        public Dataset create(PluginContext ctx) {
            return CifarFs.create(ctx.config(), ctx.dataType());
        }
    }
}
