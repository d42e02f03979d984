package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;

/**
 * A meta-batch of episodes, stacked along a leading task dimension {@code T}: support and query
 * inputs {@code [T, S, ...]} and {@code [T, Q, ...]}, targets {@code [T, S, ...]} and
 * {@code [T, Q, ...]}. Every episode of a batch has the same sizes.
 *
 * @param supportInputs support inputs
 * @param supportTargets support targets
 * @param queryInputs query inputs
 * @param queryTargets query targets
 */
public record TaskBatch(
        NDArray supportInputs, NDArray supportTargets, NDArray queryInputs, NDArray queryTargets) {

    /**
     * The number of tasks.
     *
     * @return {@code T}
     */
    public int taskCount() {
        return Math.toIntExact(supportInputs.getShape().get(0));
    }

    /**
     * One task's episode, without the task dimension.
     *
     * @param task the index
     * @return the episode
     */
    public TaskBatch episode(int task) {
        return new TaskBatch(
                supportInputs.get(task),
                supportTargets.get(task),
                queryInputs.get(task),
                queryTargets.get(task));
    }

    /**
     * Temporarily attaches the four arrays to a manager (see {@link NDArray#tempAttach}), so
     * that results computed from them land there.
     *
     * @param manager the manager, usually a step's or a chunk's
     * @return this batch
     */
    public TaskBatch tempAttach(ai.djl.ndarray.NDManager manager) {
        supportInputs.tempAttach(manager);
        supportTargets.tempAttach(manager);
        queryInputs.tempAttach(manager);
        queryTargets.tempAttach(manager);
        return this;
    }

    /**
     * A contiguous range of tasks, keeping the task dimension.
     *
     * @param from the first task, inclusive
     * @param to the last task, exclusive
     * @return the sub-batch
     */
    public TaskBatch slice(int from, int to) {
        String range = from + ":" + to;
        return new TaskBatch(
                supportInputs.get(range),
                supportTargets.get(range),
                queryInputs.get(range),
                queryTargets.get(range));
    }
}
