package dev.meta4j.api.data;

import ai.djl.ndarray.NDManager;
import java.util.NoSuchElementException;

/**
 * A fixed sequence of held-out episodes, drawn a chunk at a time, so that an evaluation over 600
 * or 10,000 episodes holds one chunk in memory, never the whole set. The sequence depends only on
 * the dataset, the split and the count, never on the chunk sizes a caller asks for.
 */
public interface Episodes {

    /**
     * How many episodes the sequence has.
     *
     * @return the count
     */
    int count();

    /**
     * How many episodes are left to draw.
     *
     * @return the remaining count
     */
    int remaining();

    /**
     * Draws the next episodes.
     *
     * @param maxTasks the most episodes to draw
     * @param manager where the arrays are created (a chunk's manager, closed after the chunk)
     * @return a batch of {@code min(maxTasks, remaining())} episodes
     * @throws NoSuchElementException if none remain
     */
    TaskBatch next(int maxTasks, NDManager manager);

    /** Draws {@code n} further episodes of a sequence into a manager. */
    @FunctionalInterface
    interface Drawer {
        /**
         * Draws the next episodes of the sequence.
         *
         * @param n how many
         * @param manager where the arrays are created
         * @return the episodes
         */
        TaskBatch draw(int n, NDManager manager);
    }

    /**
     * A sequence whose episodes a drawer produces in order, such as one seeded generator that
     * draws episode after episode.
     *
     * @param count the number of episodes
     * @param drawer draws the next {@code n} episodes
     * @return the sequence
     */
    static Episodes sequential(int count, Drawer drawer) {
        if (count < 0) {
            throw new IllegalArgumentException("episode count must not be negative, got " + count);
        }
        return new Episodes() {
            private int drawn;

            @Override
            public int count() {
                return count;
            }

            @Override
            public int remaining() {
                return count - drawn;
            }

            @Override
            public TaskBatch next(int maxTasks, NDManager manager) {
                if (maxTasks < 1) {
                    throw new IllegalArgumentException("draw at least one episode, asked for " + maxTasks);
                }
                if (drawn == count) {
                    throw new NoSuchElementException("all " + count + " episodes were drawn");
                }
                int n = Math.min(maxTasks, count - drawn);
                TaskBatch batch = drawer.draw(n, manager);
                drawn += n;
                return batch;
            }
        };
    }
}
