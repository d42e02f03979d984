package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.DatasetFactory;
import java.nio.file.Path;
import java.util.List;

/**
 * Cityscapes (Cordts et al. 2016) as MTAN preprocessed it: 2,975 training and 500 validation
 * scenes of 128×256, with two tasks: {@code semantic} segmentation into 7 classes ({@code
 * label_7}, what MTAN, FAMO and Nash-MTL train on) or 19 ({@code label_19}), chosen by {@code
 * labels}, {@code -1} = ignore; and {@code depth} (0 = invalid). Read from {@code
 * ROOT/{train,val}/{image,label_7|label_19,depth}/<i>.npy} (only the chosen label folder must
 * exist); splits and augmentation as {@link NyuV2}, without normals.
 */
public final class Cityscapes extends NpyDataset {

    Cityscapes(Config c, DataType dataType) {
        // The papers' values are of the 7-class labels only.
        super(c, dataType, scenes(c), spec(c), classes(c) == 7 ? "cityscapes-label_7" : null);
    }

    private static int classes(Config c) {
        return c.getString("labels").equals("label_19") ? 19 : 7;
    }

    private static NpyScenes scenes(Config c) {
        Path root = Dense.root(c, "cityscapes", "the folder holding train/ and val/ of MTAN's preprocessed Cityscapes");
        return new NpyScenes("cityscapes", root, List.of(
                new NpyScenes.Part("image", NpyScenes.Kind.IMAGE, null),
                new NpyScenes.Part(c.getString("labels"), NpyScenes.Kind.LABEL, "semantic"),
                new NpyScenes.Part("depth", NpyScenes.Kind.DEPTH, "depth")),
                c.getInt("height"), c.getInt("width"), classes(c), NpyScenes.Augmentation.parse(c.getString("augmentation")),
                c.getInt("validation-size"), c.getLong("split-seed"));
    }

    private static DataSpec spec(Config c) {
        int height = c.getInt("height");
        int width = c.getInt("width");
        return new DataSpec(new long[] {3, height, width}, List.of(
                new SegmentationTask("semantic", classes(c), height, width),
                new DepthTask("depth", height, width)));
    }

    /** Registers {@code cityscapes}. */
    @AutoService(DatasetFactory.class)
    public static final class Factory implements DatasetFactory {
        @Override
        public String name() {
            return "cityscapes";
        }

        @Override
        public String summary() {
            return "Cityscapes in MTAN's .npy layout: 7- or 19-class segmentation and depth, 128x256";
        }

        @Override
        public Dataset create(PluginContext ctx) {
            return new Cityscapes(ctx.config(), ctx.dataType());
        }
    }
}
