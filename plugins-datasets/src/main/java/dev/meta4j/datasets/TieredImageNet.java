package dev.meta4j.datasets;

import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.DatasetFactory;
import java.nio.file.Path;

/**
 * Few-shot episodes on tiered-ImageNet (Ren et al. 2018): 608 ImageNet classes under 34 categories,
 * split by category into 351 training, 97 validation and 160 test classes, 84×84 RGB. Layouts
 * ({@code layout}): {@code pickles}, the distributed {@code <split>_images_png.pkl} and {@code
 * <split>_labels.pkl} ({@link TieredImageNetPickles}); {@code folders}, a converted {@code
 * train|val|test/<class>/*.png|jpg} ({@link ClassFolders}), which keeps only the cache in memory;
 * {@code auto} (default), the pickles if present, else the folders. Cache and augmentation as for
 * {@code mini-imagenet}.
 */
public final class TieredImageNet extends EpisodicImageSource {

    private TieredImageNet(FewShotImages.Built b) {
        super(b.sampler(), b.spec());
    }

    static final String LAYOUTS = "train_images_png.pkl, train_labels.pkl, val_..., test_... (Ren et al.; also in"
            + " a tiered-imagenet/ folder) or train/, val/, test/ with one folder of images per class";

    static TieredImageNet create(Config c, DataType dataType) {
        FewShotImages.Common common = FewShotImages.Common.of(c);
        Path root = FewShotImages.requireFolder(common.root(), "tiered-ImageNet: " + LAYOUTS);
        String layout = c.getString("layout");
        Path pickles = TieredImageNetPickles.locate(root);
        if (layout.equals("auto")) {
            layout = pickles != null ? "pickles" : ClassFolders.present(root) ? "folders" : null;
            if (layout == null) {
                throw new IllegalArgumentException(root + " holds no tiered-ImageNet layout; expected " + LAYOUTS);
            }
        }
        FewShotImages.Loaded loaded = layout.equals("pickles")
                ? TieredImageNetPickles.load(pickles != null ? pickles : root, common.side())
                : ClassFolders.bySplit(root, common.side(), 3);
        return new TieredImageNet(FewShotImages.build(c, common, loaded, 3, dataType));
    }

    /** Registers {@code tiered-imagenet}. */
    @AutoService(DatasetFactory.class)
    public static final class Factory implements DatasetFactory {
        @Override
        public String name() {
            return "tiered-imagenet";
        }

        @Override
        public String summary() {
            return "tiered-ImageNet N-way K-shot episodes (Ren et al.'s PNG pickles or class folders; 84x84 RGB)";
        }

        @Override
        public Dataset create(PluginContext ctx) {
            return TieredImageNet.create(ctx.config(), ctx.dataType());
        }
    }
}
