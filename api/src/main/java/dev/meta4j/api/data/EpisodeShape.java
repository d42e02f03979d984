package dev.meta4j.api.data;

/**
 * The sizes of the episodes of a split.
 *
 * @param ways classes per episode (N of N-way K-shot), or 0 for regression
 * @param shots support examples per class (K), or per episode for regression
 * @param queries query examples per class, or per episode for regression
 */
public record EpisodeShape(int ways, int shots, int queries) {

    /** Validates the fields. */
    public EpisodeShape {
        if (ways < 0 || shots < 1 || queries < 1) {
            throw new IllegalArgumentException("an episode has " + ways + " ways, " + shots + " shots and "
                    + queries + " queries; ways must be at least 0, shots and queries at least 1");
        }
    }

    /**
     * Whether the episodes classify.
     *
     * @return true for N-way episodes
     */
    public boolean classification() {
        return ways > 0;
    }

    /**
     * Support examples per episode.
     *
     * @return {@code ways * shots}, or {@code shots} for regression
     */
    public int supportSize() {
        return Math.max(1, ways) * shots;
    }

    /**
     * Query examples per episode.
     *
     * @return {@code ways * queries}, or {@code queries} for regression
     */
    public int querySize() {
        return Math.max(1, ways) * queries;
    }
}
