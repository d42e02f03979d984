package dev.meta4j.api.data;

/**
 * A source of data. An algorithm asks for the kind it needs: {@link TaskSource} (episodes, for
 * meta-learning) or {@link MultiTaskDataset} (labelled examples with one target per task).
 */
public interface Dataset {

    /**
     * The input shape and task outputs a model needs for this data.
     *
     * @return the spec
     */
    DataSpec spec();
}
