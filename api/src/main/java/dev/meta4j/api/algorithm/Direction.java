package dev.meta4j.api.algorithm;

/**
 * Which way a metric improves. Reports, checkpoint selection, Δm% and mean ranks read it from
 * the metric itself, never from its name.
 */
public enum Direction {
    /** Accuracy, mIoU, F1: larger is better. */
    HIGHER_IS_BETTER("higher"),
    /** Errors and losses: smaller is better. */
    LOWER_IS_BETTER("lower");

    private final String key;

    Direction(String key) {
        this.key = key;
    }

    /**
     * Whether larger values are better.
     *
     * @return true for {@link #HIGHER_IS_BETTER}
     */
    public boolean higherIsBetter() {
        return this == HIGHER_IS_BETTER;
    }

    /**
     * The word written in {@code summary.json}: {@code higher} or {@code lower}.
     *
     * @return the key
     */
    public String key() {
        return key;
    }

    /**
     * The direction a {@link #key()} names.
     *
     * @param key {@code higher} or {@code lower}
     * @return the direction
     * @throws IllegalArgumentException for another word
     */
    public static Direction ofKey(String key) {
        for (Direction d : values()) {
            if (d.key.equals(key)) {
                return d;
            }
        }
        throw new IllegalArgumentException("a metric direction is 'higher' or 'lower', not '" + key + "'");
    }
}
