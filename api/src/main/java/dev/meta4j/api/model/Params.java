package dev.meta4j.api.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * An ordered, immutable set of named arrays: the parameters of a functional model.
 *
 * <p>Models never own their weights; they compute {@code forward(params, input)}. An inner loop
 * therefore passes adapted {@code Params} instead of mutating a module, and a whole meta-batch
 * can carry one copy per task with a leading task dimension.
 */
public final class Params {

    private final List<String> names;
    private final List<NDArray> arrays;
    private final Map<String, Integer> index;

    private Params(List<String> names, List<NDArray> arrays) {
        if (names.size() != arrays.size()) {
            throw new IllegalArgumentException(
                    names.size() + " names but " + arrays.size() + " arrays");
        }
        this.names = List.copyOf(names);
        this.arrays = Collections.unmodifiableList(new ArrayList<>(arrays));
        this.index = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            if (index.put(names.get(i), i) != null) {
                throw new IllegalArgumentException("duplicate parameter name '" + names.get(i) + "'");
            }
        }
    }

    /**
     * Parameters from parallel lists.
     *
     * @param names the names, unique
     * @param arrays the arrays, same order
     * @return the parameters
     */
    public static Params of(List<String> names, List<NDArray> arrays) {
        return new Params(names, arrays);
    }

    /**
     * No parameters.
     *
     * @return an empty set
     */
    public static Params empty() {
        return new Params(List.of(), List.of());
    }

    /**
     * A builder that keeps insertion order.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The array of a parameter.
     *
     * @param name the name
     * @return the array
     * @throws IllegalArgumentException if there is no such parameter
     */
    public NDArray get(String name) {
        Integer i = index.get(name);
        if (i == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'; have " + names);
        }
        return arrays.get(i);
    }

    /**
     * Whether a parameter exists.
     *
     * @param name the name
     * @return true if present
     */
    public boolean contains(String name) {
        return index.containsKey(name);
    }

    /**
     * The names, in order.
     *
     * @return an unmodifiable list
     */
    public List<String> names() {
        return names;
    }

    /**
     * The arrays, in order.
     *
     * @return a new list of the same arrays
     */
    public NDList arrays() {
        return new NDList(arrays);
    }

    /**
     * The number of parameters (arrays).
     *
     * @return the count
     */
    public int size() {
        return names.size();
    }

    /**
     * The number of scalars over all arrays.
     *
     * @return the element count
     */
    public long elementCount() {
        long n = 0;
        for (NDArray a : arrays) {
            n += a.size();
        }
        return n;
    }

    /**
     * The same names with other arrays, such as gradients or adapted weights.
     *
     * @param values one array per parameter, in order
     * @return new parameters
     */
    public Params withArrays(List<NDArray> values) {
        return new Params(names, values);
    }

    /**
     * Applies a function to every array.
     *
     * @param f the function
     * @return new parameters with the same names
     */
    public Params map(UnaryOperator<NDArray> f) {
        List<NDArray> out = new ArrayList<>(arrays.size());
        for (NDArray a : arrays) {
            out.add(f.apply(a));
        }
        return new Params(names, out);
    }

    /**
     * Combines two aligned sets array by array, such as {@code w - lr * g}.
     *
     * @param other arrays aligned with these (same size and order)
     * @param f the combination
     * @return new parameters with these names
     */
    public Params zip(List<NDArray> other, BiFunction<NDArray, NDArray, NDArray> f) {
        if (other.size() != arrays.size()) {
            throw new IllegalArgumentException(
                    "expected " + arrays.size() + " arrays, got " + other.size());
        }
        List<NDArray> out = new ArrayList<>(arrays.size());
        for (int i = 0; i < arrays.size(); i++) {
            out.add(f.apply(arrays.get(i), other.get(i)));
        }
        return new Params(names, out);
    }

    /**
     * The parameters whose names pass a test, in order.
     *
     * @param keep the test
     * @return the subset
     */
    public Params filter(Predicate<String> keep) {
        List<String> n = new ArrayList<>();
        List<NDArray> a = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (keep.test(names.get(i))) {
                n.add(names.get(i));
                a.add(arrays.get(i));
            }
        }
        return new Params(n, a);
    }

    /**
     * These parameters followed by others; names must not clash.
     *
     * @param other more parameters
     * @return the union
     */
    public Params concat(Params other) {
        List<String> n = new ArrayList<>(names);
        n.addAll(other.names);
        List<NDArray> a = new ArrayList<>(arrays);
        a.addAll(other.arrays);
        return new Params(n, a);
    }

    /**
     * Temporarily attaches every array to a step's manager, so that results of operations whose
     * first operand is a parameter land there and are freed with the step; closing the manager
     * returns the arrays to their own managers. Without this a long-lived parameter collects
     * every result computed from it, step after step.
     *
     * @param step the step's manager
     * @return these parameters
     */
    public Params tempAttach(NDManager step) {
        for (NDArray a : arrays) {
            a.tempAttach(step);
        }
        return this;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Params{");
        for (int i = 0; i < names.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(names.get(i)).append(arrays.get(i).getShape());
        }
        return sb.append('}').toString();
    }

    /** Collects named arrays in order. */
    public static final class Builder {
        private final List<String> names = new ArrayList<>();
        private final List<NDArray> arrays = new ArrayList<>();

        private Builder() {}

        /**
         * Adds a parameter.
         *
         * @param name its unique name
         * @param array its array
         * @return this builder
         */
        public Builder add(String name, NDArray array) {
            names.add(name);
            arrays.add(array);
            return this;
        }

        /**
         * Adds all parameters of another set.
         *
         * @param params the parameters
         * @return this builder
         */
        public Builder addAll(Params params) {
            names.addAll(params.names);
            arrays.addAll(params.arrays);
            return this;
        }

        /**
         * Builds the parameters.
         *
         * @return the parameters
         */
        public Params build() {
            return new Params(names, arrays);
        }
    }
}
