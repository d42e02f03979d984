package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
public final class Cityscapes implements MultiTaskDataset {

    private final NpyScenes scenes;
    private final DataSpec spec;
    private final DataType dataType;
    private final java.util.Optional<dev.meta4j.api.data.SingleTaskBaselines> baselines;

    Cityscapes(Config c, DataType dataType) {
        this.dataType = dataType;
        int height = c.getInt("height");
        int width = c.getInt("width");
        String labels = c.getString("labels");
        int classes = labels.equals("label_19") ? 19 : 7;
        Path root = Dense.root(c, "cityscapes", "the folder holding train/ and val/ of MTAN's preprocessed Cityscapes");
        this.scenes = new NpyScenes("cityscapes", root, List.of(
                new NpyScenes.Part("image", NpyScenes.Kind.IMAGE, null),
                new NpyScenes.Part(labels, NpyScenes.Kind.LABEL, "semantic"),
                new NpyScenes.Part("depth", NpyScenes.Kind.DEPTH, "depth")),
                height, width, classes, NpyScenes.Augmentation.parse(c.getString("augmentation")),
                c.getInt("validation-size"), c.getLong("split-seed"));
        this.spec = new DataSpec(new long[] {3, height, width}, List.of(
                new SegmentationTask("semantic", classes, height, width),
                new DepthTask("depth", height, width)));
        // The papers' values are of the 7-class labels only.
        this.baselines = BaselineFile.forDataset(c, classes == 7 ? "cityscapes-label_7" : null, spec);
    }

    @Override
    public java.util.Optional<dev.meta4j.api.data.SingleTaskBaselines> singleTaskBaselines() {
        return baselines;
    }

    @Override
    public DataSpec spec() {
        return spec;
    }

    @Override
    public int size(Split split) {
        return scenes.size(split);
    }

    @Override
    public MultiTaskBatch batch(Split split, int[] indices, NDManager manager) {
        return scenes.batch(split, indices, null, manager, dataType);
    }

    @Override
    public MultiTaskBatch trainingBatch(int[] indices, Rng rng, NDManager manager) {
        return scenes.batch(Split.TRAIN, indices, rng, manager, dataType);
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
