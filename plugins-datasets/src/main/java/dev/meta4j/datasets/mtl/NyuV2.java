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
 * NYUv2 (Silberman et al. 2012) as MTAN preprocessed it (Liu, Johns &amp; Davison 2019): 795
 * training and 654 validation scenes of 288×384, with three tasks: 13-class {@code semantic}
 * segmentation ({@code -1} = ignore), {@code depth} (0 = invalid) and surface {@code normal}s.
 * Read from {@code ROOT/{train,val}/{image,label,depth,normal}/<i>.npy}, channels-last, the
 * sample count being the number of files; see {@link NpyScenes} for what is checked and what a
 * batch holds.
 *
 * <p><b>Splits.</b> MTAN, FAMO and Nash-MTL train on {@code train} and evaluate every epoch on
 * {@code val}, which is their test set; they have no validation split. Here {@link Split#TEST} is
 * {@code val}; {@link Split#VALIDATION} is also {@code val} by default ({@code validation-size =
 * 0}, so "best" checkpoints are chosen on the test data, as a reader of those tables should
 * know), or {@code validation-size} scenes held out of {@code train} by {@code split-seed}.
 *
 * <p><b>Augmentation</b> ({@code augmentation}, training draws only): {@code none} (the MTAN
 * paper; the repositories' {@code --apply-augmentation false}), {@code flip}, or {@code
 * scale-crop-flip}, the FAMO and Nash-MTL trainers' default ({@code --apply-augmentation} is
 * true there), with the deviations {@link NpyScenes} lists.
 */
public final class NyuV2 extends NpyDataset {

    /** The segmentation classes. */
    static final int CLASSES = 13;

    NyuV2(Config c, DataType dataType) {
        super(c, dataType, scenes(c), spec(c), "nyuv2");
    }

    private static NpyScenes scenes(Config c) {
        Path root = Dense.root(c, "nyuv2", "the folder holding train/ and val/ of MTAN's preprocessed NYUv2");
        return new NpyScenes("nyuv2", root, List.of(
                new NpyScenes.Part("image", NpyScenes.Kind.IMAGE, null),
                new NpyScenes.Part("label", NpyScenes.Kind.LABEL, "semantic"),
                new NpyScenes.Part("depth", NpyScenes.Kind.DEPTH, "depth"),
                new NpyScenes.Part("normal", NpyScenes.Kind.NORMAL, "normal")),
                c.getInt("height"), c.getInt("width"), CLASSES, NpyScenes.Augmentation.parse(c.getString("augmentation")),
                c.getInt("validation-size"), c.getLong("split-seed"));
    }

    private static DataSpec spec(Config c) {
        int height = c.getInt("height");
        int width = c.getInt("width");
        return new DataSpec(new long[] {3, height, width}, List.of(
                new SegmentationTask("semantic", CLASSES, height, width),
                new DepthTask("depth", height, width),
                new NormalTask("normal", height, width)));
    }

    /** Registers {@code nyuv2}. */
    @AutoService(DatasetFactory.class)
    public static final class Factory implements DatasetFactory {
        @Override
        public String name() {
            return "nyuv2";
        }

        @Override
        public String summary() {
            return "NYUv2 in MTAN's .npy layout: 13-class segmentation, depth and surface normals, 288x384";
        }

        @Override
        public Dataset create(PluginContext ctx) {
            return new NyuV2(ctx.config(), ctx.dataType());
        }
    }
}
