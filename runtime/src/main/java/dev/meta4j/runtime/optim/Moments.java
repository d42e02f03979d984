package dev.meta4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.model.Params;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-parameter state every optimizer here keeps: named kinds of moment ({@code m}, {@code v},
 * ...), one array per parameter index, in the experiment's long-lived manager, and the step
 * count. Saved as {@code <kind>/<index>} and {@code t}, the keys Adam and SGD always used, so
 * older checkpoints still load.
 *
 * <p>{@link #scratch()} moves the moments into a step-long manager for the update: ops whose first
 * operand is a moment put their result in the manager of that operand, so without it every such
 * temporary would stay in the long-lived manager until the run ends.
 */
final class Moments {

    private final NDManager manager;
    private final Map<String, List<NDArray>> kinds = new LinkedHashMap<>();
    private long steps;

    Moments(NDManager manager, String... names) {
        this.manager = manager;
        for (String n : names) {
            kinds.put(n, new ArrayList<>());
        }
    }

    /** Zeros like every parameter for each kind that has none yet. */
    void zerosLike(Params params) {
        for (List<NDArray> list : kinds.values()) {
            if (list.isEmpty()) {
                for (NDArray p : params.arrays()) {
                    list.add(manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
                }
            }
        }
    }

    /** The moment of a kind for a parameter, or null before its first {@link #put}. */
    NDArray get(String kind, int index) {
        List<NDArray> list = kinds.get(kind);
        return index < list.size() ? list.get(index) : null;
    }

    /** Stores an owned copy of {@code value} as the first moment of a kind for a parameter. */
    void put(String kind, int index, NDArray value) {
        List<NDArray> list = kinds.get(kind);
        if (index != list.size()) {
            throw new IllegalStateException("moment " + kind + "/" + index + " after " + list.size() + " of them");
        }
        list.add(owned(value));
    }

    /** Counts a step and returns its one-based number. */
    long nextStep() {
        return ++steps;
    }

    /**
     * A manager for one update: the moments are attached to it until it is closed, and then go
     * back to the long-lived manager; temporaries made from them die with it.
     */
    NDManager scratch() {
        NDManager scratch = manager.newSubManager();
        for (List<NDArray> list : kinds.values()) {
            for (NDArray a : list) {
                a.tempAttach(scratch);
            }
        }
        return scratch;
    }

    void save(StateDict state) {
        state.putLong("t", steps);
        for (Map.Entry<String, List<NDArray>> e : kinds.entrySet()) {
            for (int i = 0; i < e.getValue().size(); i++) {
                state.putArray(e.getKey() + "/" + i, e.getValue().get(i));
            }
        }
    }

    void load(StateDict state) {
        steps = state.contains("t") ? state.getLong("t") : 0;
        for (Map.Entry<String, List<NDArray>> e : kinds.entrySet()) {
            List<NDArray> list = e.getValue();
            // Closed, not just dropped: they live in the experiment's manager, and Reptile loads its
            // inner optimizer around every evaluation episode (ReptileTest counts the arrays).
            list.forEach(NDArray::close);
            list.clear();
            for (int i = 0; state.contains(e.getKey() + "/" + i); i++) {
                list.add(owned(state.getArray(e.getKey() + "/" + i)));
            }
        }
    }

    private NDArray owned(NDArray a) {
        NDArray c = a.duplicate();
        c.attach(manager);
        return c;
    }
}
