package dev.meta4j.api.data;

import java.util.Arrays;
import java.util.List;

/**
 * What a model must accept and produce for a dataset.
 *
 * @param inputShape the shape of one example, without the batch dimension ({@code [1]}, {@code
 *     [1, 36, 36]})
 * @param tasks the outputs, one per task, in order
 */
public record DataSpec(long[] inputShape, List<TaskSpec> tasks) {
    /** Copies the fields. */
    public DataSpec {
        inputShape = inputShape.clone();
        tasks = List.copyOf(tasks);
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("a dataset needs at least one task");
        }
    }

    @Override
    public long[] inputShape() {
        return inputShape.clone();
    }

    /**
     * The number of tasks.
     *
     * @return the count
     */
    public int taskCount() {
        return tasks.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataSpec d && Arrays.equals(inputShape, d.inputShape) && tasks.equals(d.tasks);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(inputShape) + tasks.hashCode();
    }

    @Override
    public String toString() {
        return "DataSpec" + Arrays.toString(inputShape) + " " + tasks;
    }
}
