package dev.meta4j.api.data;

import java.util.Arrays;
import java.util.List;

/**
 * What a model must accept and produce for a dataset.
 *
 * @param inputShape the shape of one example, without the batch dimension ({@code [1]}, {@code
 *     [1, 36, 36]})
 * @param tasks the tasks, in order (a model's heads follow this order); names are unique
 */
public record DataSpec(long[] inputShape, List<Task> tasks) {
    /** Copies the fields. */
    public DataSpec {
        inputShape = inputShape.clone();
        tasks = List.copyOf(tasks);
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("a dataset needs at least one task");
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Task t : tasks) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("two tasks are named '" + t.name() + "'; task names must be unique");
            }
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

    /**
     * The position of a task.
     *
     * @param name the task's name
     * @return its index in {@link #tasks()}
     * @throws IllegalArgumentException naming the tasks there are
     */
    public int indexOf(String name) {
        for (int i = 0; i < tasks.size(); i++) {
            if (tasks.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no task '" + name + "'; the dataset's tasks are "
                + tasks.stream().map(Task::name).toList());
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
