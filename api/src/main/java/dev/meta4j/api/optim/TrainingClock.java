package dev.meta4j.api.optim;

/**
 * Where training stands.
 *
 * @param step the zero-based step
 * @param totalSteps the number of steps the run will take
 * @param stepsPerEpoch steps per pass over the data, or 0 when the algorithm samples tasks
 */
public record TrainingClock(long step, long totalSteps, long stepsPerEpoch) {

    /**
     * The zero-based epoch of the step, or the step itself when there are no epochs.
     *
     * @return the epoch
     */
    public long epoch() {
        return stepsPerEpoch > 0 ? step / stepsPerEpoch : step;
    }
}
