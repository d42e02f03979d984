package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * What one task's outputs are compared with for a batch: the target values, and which of them
 * count.
 *
 * @param values the targets, laid out as the task documents (class indices {@code [..., N]},
 *     regression values {@code [..., N, outputs]}, a label map {@code [N, H, W]})
 * @param mask which elements count (nonzero) and which are ignored (zero), shaped as the
 *     task documents; null when every element counts. Datasets whose invalid targets are
 *     marked in the values themselves (an ignore label, a zero depth) may leave it null and let
 *     the task read the marks.
 */
public record Targets(NDArray values, NDArray mask) {

    /** Validates the fields. */
    public Targets {
        Objects.requireNonNull(values, "targets need values");
    }

    /**
     * Targets of which every element counts.
     *
     * @param values the target values
     * @return the targets
     */
    public static Targets of(NDArray values) {
        return new Targets(values, null);
    }

    /**
     * Whether some elements may be ignored.
     *
     * @return true if there is a mask
     */
    public boolean masked() {
        return mask != null;
    }
}
