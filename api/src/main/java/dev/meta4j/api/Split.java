package dev.meta4j.api;

/** A partition of a dataset. */
public enum Split {
    /** Data the parameters are fitted on. */
    TRAIN,
    /** Held-out data that picks the best checkpoint and drives plateau schedules. */
    VALIDATION,
    /** Held-out data reported at the end of a run. */
    TEST;

    /**
     * The lower-case name used in metric keys and configs.
     *
     * @return {@code train}, {@code validation} or {@code test}
     */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
