package dev.meta4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named arrays and numbers that make up a checkpoint. Keys are namespaced by the runtime
 * ({@code optimizer/}, {@code weighting/}, ...) before a plugin sees them, so plugins choose
 * short local keys.
 */
public final class StateDict {

    private final String prefix;
    private final Map<String, NDArray> arrays;
    private final Map<String, double[]> numbers;
    private final Map<String, Long> longs;
    private final NDManager manager;

    /**
     * Creates an empty dictionary.
     *
     * @param manager where arrays read back from a checkpoint are created
     */
    public StateDict(NDManager manager) {
        this("", new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>(), manager);
    }

    private StateDict(
            String prefix,
            Map<String, NDArray> arrays,
            Map<String, double[]> numbers,
            Map<String, Long> longs,
            NDManager manager) {
        this.prefix = prefix;
        this.arrays = arrays;
        this.numbers = numbers;
        this.longs = longs;
        this.manager = manager;
    }

    /**
     * A view that prefixes every key with {@code namespace + "/"}.
     *
     * @param namespace the namespace
     * @return a view backed by this dictionary
     */
    public StateDict scope(String namespace) {
        return new StateDict(prefix + namespace + "/", arrays, numbers, longs, manager);
    }

    /**
     * Stores a copy of an array.
     *
     * @param key the key
     * @param array the array; it is duplicated so later in-place updates do not change the state
     */
    public void putArray(String key, NDArray array) {
        NDArray copy = array.duplicate();
        copy.attach(manager);
        arrays.put(prefix + key, copy);
    }

    /**
     * Stores numbers.
     *
     * @param key the key
     * @param values the values
     */
    public void putNumbers(String key, double... values) {
        numbers.put(prefix + key, values.clone());
    }

    /**
     * Stores an exact 64-bit integer (a counter, a generator's state).
     *
     * @param key the key
     * @param value the value
     */
    public void putLong(String key, long value) {
        longs.put(prefix + key, value);
    }

    /**
     * Reads an integer stored with {@link #putLong}.
     *
     * @param key the key
     * @return the value
     * @throws IllegalStateException if it is missing
     */
    public long getLong(String key) {
        Long v = longs.get(prefix + key);
        if (v == null) {
            throw new IllegalStateException("checkpoint has no integer '" + prefix + key + "'");
        }
        return v;
    }

    /**
     * Reads an array.
     *
     * @param key the key
     * @return the array
     * @throws IllegalStateException if it is missing
     */
    public NDArray getArray(String key) {
        NDArray a = arrays.get(prefix + key);
        if (a == null) {
            throw new IllegalStateException("checkpoint has no array '" + prefix + key + "'");
        }
        return a;
    }

    /**
     * Reads numbers.
     *
     * @param key the key
     * @return the values
     * @throws IllegalStateException if they are missing
     */
    public double[] getNumbers(String key) {
        double[] v = numbers.get(prefix + key);
        if (v == null) {
            throw new IllegalStateException("checkpoint has no value '" + prefix + key + "'");
        }
        return v.clone();
    }

    /**
     * Whether an array or numbers are stored under a key.
     *
     * @param key the key
     * @return true if present
     */
    public boolean contains(String key) {
        return arrays.containsKey(prefix + key)
                || numbers.containsKey(prefix + key)
                || longs.containsKey(prefix + key);
    }

    /**
     * All arrays, with full keys, for serialisation.
     *
     * @return an unmodifiable view
     */
    public Map<String, NDArray> arrays() {
        return Collections.unmodifiableMap(arrays);
    }

    /**
     * All numbers, with full keys, for serialisation.
     *
     * @return an unmodifiable view
     */
    public Map<String, double[]> numbers() {
        return Collections.unmodifiableMap(numbers);
    }

    /**
     * All integers, with full keys, for serialisation.
     *
     * @return an unmodifiable view
     */
    public Map<String, Long> longs() {
        return Collections.unmodifiableMap(longs);
    }

    /**
     * Adds a deserialised integer under its full key.
     *
     * @param fullKey the key as returned by {@link #longs()}
     * @param value the value
     */
    public void restoreLong(String fullKey, long value) {
        longs.put(fullKey, value);
    }

    /**
     * Adds a deserialised entry under its full key.
     *
     * @param fullKey the key as returned by {@link #arrays()}
     * @param array the array, already attached to this dictionary's manager
     */
    public void restoreArray(String fullKey, NDArray array) {
        arrays.put(fullKey, array);
    }

    /**
     * Adds deserialised numbers under their full key.
     *
     * @param fullKey the key as returned by {@link #numbers()}
     * @param values the values
     */
    public void restoreNumbers(String fullKey, double[] values) {
        numbers.put(fullKey, values);
    }
}
