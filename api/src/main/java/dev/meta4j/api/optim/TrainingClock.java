package dev.meta4j.api.optim;

/**
 * Where training stands.
 *
 * @param step the zero-based step
 * @param totalSteps the number of steps the run will take, at least 1
 * @param stepsPerEpoch steps per pass over the data, or 0 when the algorithm samples tasks
 */
public record TrainingClock(long step, long totalSteps, long stepsPerEpoch) {

    /** Validates the fields. */
    public TrainingClock {
        if (step < 0 || totalSteps < 1 || stepsPerEpoch < 0) {
            throw new IllegalArgumentException("clock step " + step + " of " + totalSteps
                    + " (steps per epoch " + stepsPerEpoch + ") is not a valid position");
        }
    }

    /**
     * The zero-based epoch of the step, or the step itself when there are no epochs.
     *
     * @return the epoch
     */
    public long epoch() {
        return stepsPerEpoch > 0 ? step / stepsPerEpoch : step;
    }

    /**
     * The number of epochs the run will take (rounded up), or the total steps when there are
     * no epochs.
     *
     * @return the epoch count
     */
    public long totalEpochs() {
        return stepsPerEpoch > 0 ? (totalSteps + stepsPerEpoch - 1) / stepsPerEpoch : totalSteps;
    }

    /**
     * The fraction of training done before this step: 0 at the first step, {@code (T-1)/T} at
     * the last. Linear schedules (Reptile's outer step size) read it.
     *
     * @return {@code step / totalSteps}
     */
    public double fractionDone() {
        return (double) step / totalSteps;
    }
}
