package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.api.data.MultiTaskDataset;
import dev.meta4j.api.data.SingleTaskBaselines;
import java.util.Optional;

/**
 * A dense benchmark in MTAN's {@code .npy} layout: its scenes, the tasks it declares and its
 * published single-task baselines. {@link NyuV2} and {@link Cityscapes} differ only in which
 * folders they read and which tasks those hold; batches, splits and augmentation are {@link
 * NpyScenes}'.
 */
abstract class NpyDataset implements MultiTaskDataset {

    private final NpyScenes scenes;
    private final DataSpec spec;
    private final DataType dataType;
    private final Optional<SingleTaskBaselines> baselines;

    /**
     * @param c the dataset's settings (for {@code stl-baselines})
     * @param dataType the experiment's data type
     * @param scenes the reader of the dataset's folders
     * @param spec the tasks the scenes hold
     * @param baselineName the shipped baseline file's name, or null where the papers publish none
     */
    NpyDataset(Config c, DataType dataType, NpyScenes scenes, DataSpec spec, String baselineName) {
        this.scenes = scenes;
        this.spec = spec;
        this.dataType = dataType;
        this.baselines = BaselineFile.forDataset(c, baselineName, spec);
    }

    @Override
    public final Optional<SingleTaskBaselines> singleTaskBaselines() {
        return baselines;
    }

    @Override
    public final DataSpec spec() {
        return spec;
    }

    @Override
    public final int size(Split split) {
        return scenes.size(split);
    }

    @Override
    public final MultiTaskBatch batch(Split split, int[] indices, NDManager manager) {
        return scenes.batch(split, indices, null, manager, dataType);
    }

    @Override
    public final MultiTaskBatch trainingBatch(int[] indices, Rng rng, NDManager manager) {
        return scenes.batch(Split.TRAIN, indices, rng, manager, dataType);
    }

    /**
     * The scenes, for tests.
     *
     * @return the reader
     */
    final NpyScenes scenes() {
        return scenes;
    }
}
