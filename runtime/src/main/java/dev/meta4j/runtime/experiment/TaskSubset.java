package dev.meta4j.runtime.experiment;

import ai.djl.ndarray.NDManager;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.api.data.MultiTaskDataset;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A multi-task dataset seen through some of its tasks ({@code experiment.tasks}): the model gets
 * a head for each chosen task only, and every algorithm and report sees just those. The suite's
 * single-task baselines are this view of one task; no algorithm needs a setting of its own for
 * them.
 */
final class TaskSubset implements MultiTaskDataset {

    private final MultiTaskDataset all;
    private final DataSpec spec;

    /**
     * A view of some tasks.
     *
     * @param all the dataset
     * @param names the tasks to keep, in the order the model's heads should have
     * @throws IllegalArgumentException naming a task the dataset does not have
     */
    TaskSubset(MultiTaskDataset all, List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("choose at least one task, or null for all of them");
        }
        DataSpec full = all.spec();
        List<Task> kept = new ArrayList<>();
        for (String name : names) {
            kept.add(full.tasks().get(full.indexOf(name)));
        }
        this.all = all;
        this.spec = new DataSpec(full.inputShape(), kept);
    }

    @Override
    public DataSpec spec() {
        return spec;
    }

    @Override
    public int size(Split split) {
        return all.size(split);
    }

    @Override
    public MultiTaskBatch batch(Split split, int[] indices, NDManager manager) {
        return kept(all.batch(split, indices, manager));
    }

    @Override
    public MultiTaskBatch trainingBatch(int[] indices, Rng rng, NDManager manager) {
        // Forwarded, or a single-task baseline would train without the dataset's augmentation.
        return kept(all.trainingBatch(indices, rng, manager));
    }

    @Override
    public java.util.Optional<dev.meta4j.api.data.SingleTaskBaselines> singleTaskBaselines() {
        // The published baselines of the kept tasks: a single-task run's Δp against the papers' STL.
        return all.singleTaskBaselines().map(b -> b.restrictedTo(spec.tasks().stream().map(Task::name).toList()));
    }

    private MultiTaskBatch kept(MultiTaskBatch b) {
        Map<String, Targets> kept = new LinkedHashMap<>();
        for (Task t : spec.tasks()) {
            kept.put(t.name(), b.targets(t.name()));
        }
        return new MultiTaskBatch(b.inputs(), kept);
    }
}
