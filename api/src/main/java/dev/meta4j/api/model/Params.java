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
 *
 * <p><b>Encoder and heads.</b> Every parameter belongs to the encoder (the shared
 * representation) or to one head, numbered in the dataset's task order. The backbone says which
 * when it builds its parameters ({@link Builder#addHead}); every derived set ({@link #map},
 * {@link #zip}, {@link #withArrays}, {@link #filter}, {@link #replicate}) keeps the split, so adapted and
 * task-batched copies answer {@link #headOf} like the originals. ANIL adapts {@link #heads()}
 * only; multi-task weighting treats {@link #encoder()} as the shared parameters.
 *
 * <p><b>Buffers.</b> Some entries are non-trained state, such as a batch norm's running mean and
 * variance ({@link Builder#addBuffer}). They belong to the encoder or a head like any parameter,
 * travel through every derived set with their flag ({@link #isBuffer}), and are checkpointed with
 * the parameters, because the runtime saves everything {@code Algorithm.parameters()} holds. They
 * never require gradients: differentiate and optimize {@link #trainable()}, and pass the whole
 * set to {@code forward}. Optimizers refuse a set with buffers ({@link #requireTrainable}). A
 * backbone updates its buffers in place during a training pass (as PyTorch's {@code BatchNorm}
 * does), with recording paused; an evaluation pass only reads them. {@link #replicate} makes
 * task-batched copies in which each task has its own writable buffers.
 */
public final class Params {

    /** The {@link #headOf} of an encoder parameter. */
    public static final int ENCODER = -1;

    private final List<String> names;
    private final List<NDArray> arrays;
    private final int[] heads;
    private final boolean[] buffers;
    private final Map<String, Integer> index;

    private Params(List<String> names, List<NDArray> arrays, int[] heads, boolean[] buffers) {
        if (names.size() != arrays.size() || heads.length != names.size() || buffers.length != names.size()) {
            throw new IllegalArgumentException(
                    names.size() + " names but " + arrays.size() + " arrays");
        }
        this.names = List.copyOf(names);
        this.arrays = Collections.unmodifiableList(new ArrayList<>(arrays));
        this.heads = heads;
        this.buffers = buffers;
        this.index = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            if (index.put(names.get(i), i) != null) {
                throw new IllegalArgumentException("duplicate parameter name '" + names.get(i) + "'");
            }
            if (heads[i] < ENCODER) {
                throw new IllegalArgumentException("parameter '" + names.get(i) + "' has head " + heads[i]
                        + "; heads are numbered from 0, and " + ENCODER + " means the encoder");
            }
        }
    }

    private Params derive(List<NDArray> values) {
        return new Params(names, values, heads, buffers);
    }

    /**
     * Encoder parameters from parallel lists.
     *
     * @param names the names, unique
     * @param arrays the arrays, same order
     * @return the parameters, all of the encoder
     */
    public static Params of(List<String> names, List<NDArray> arrays) {
        int[] h = new int[names.size()];
        java.util.Arrays.fill(h, ENCODER);
        return new Params(names, arrays, h, new boolean[names.size()]);
    }

    /**
     * No parameters.
     *
     * @return an empty set
     */
    public static Params empty() {
        return new Params(List.of(), List.of(), new int[0], new boolean[0]);
    }

    /**
     * The head a parameter belongs to.
     *
     * @param name the parameter's name
     * @return its head's index in the dataset's task order, or {@link #ENCODER}
     * @throws IllegalArgumentException if there is no such parameter
     */
    public int headOf(String name) {
        return heads[indexOf(name)];
    }

    /**
     * The encoder's parameters, in order: what every head shares.
     *
     * @return the subset
     */
    public Params encoder() {
        return select(h -> h == ENCODER);
    }

    /**
     * Every head's parameters, in order.
     *
     * @return the subset
     */
    public Params heads() {
        return select(h -> h != ENCODER);
    }

    /**
     * One head's parameters, in order.
     *
     * @param head the head's index
     * @return the subset, empty for a head that has none
     */
    public Params head(int head) {
        if (head < 0) {
            throw new IllegalArgumentException("heads are numbered from 0, got " + head);
        }
        return select(h -> h == head);
    }

    /**
     * The number of heads: one more than the highest head index, 0 for an embedding network.
     *
     * @return the head count
     */
    public int headCount() {
        int max = ENCODER;
        for (int h : heads) {
            max = Math.max(max, h);
        }
        return max + 1;
    }

    private Params select(java.util.function.IntPredicate keep) {
        return where(i -> keep.test(heads[i]));
    }

    /** The entries whose index passes a test, with their heads and buffer flags. */
    private Params where(java.util.function.IntPredicate keep) {
        Builder b = new Builder();
        for (int i = 0; i < names.size(); i++) {
            if (keep.test(i)) {
                b.put(heads[i], names.get(i), arrays.get(i), buffers[i]);
            }
        }
        return b.build();
    }

    /**
     * Whether an entry is a buffer (non-trained state) rather than a trained parameter.
     *
     * @param name the entry's name
     * @return true for a buffer
     * @throws IllegalArgumentException if there is no such entry
     */
    public boolean isBuffer(String name) {
        return buffers[indexOf(name)];
    }

    /**
     * The trained parameters, in order, without the buffers: what gradients are taken of and
     * what an optimizer steps.
     *
     * @return the subset (these parameters themselves when there are no buffers)
     */
    public Params trainable() {
        return hasBuffers() ? where(i -> !buffers[i]) : this;
    }

    /**
     * The buffers, in order.
     *
     * @return the subset
     */
    public Params buffers() {
        return where(i -> buffers[i]);
    }

    /**
     * Whether any entry is a buffer.
     *
     * @return true if there is one
     */
    public boolean hasBuffers() {
        for (boolean b : buffers) {
            if (b) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks that a set holds trained parameters only, for code that updates from gradients.
     *
     * @param who what asks, for the message (such as {@code "optimizer adam"})
     * @throws IllegalArgumentException naming the first buffer, if there is one
     */
    public void requireTrainable(String who) {
        for (int i = 0; i < names.size(); i++) {
            if (buffers[i]) {
                throw new IllegalArgumentException(who + " cannot step '" + names.get(i) + "': it is a buffer"
                        + " (non-trained state such as running statistics), which the model updates itself;"
                        + " pass params.trainable() and their gradients");
            }
        }
    }

    /**
     * Task-batched copies for {@code tasks} tasks: every array gets a leading task dimension.
     * Parameters become broadcast views, so gradients with respect to the copies flow back to
     * these arrays; buffers become owned copies, so a training pass may update each task's
     * running statistics in place without touching the others or these. Call it inside the
     * recording scope that the gradients are taken in, or the views are not recorded.
     *
     * @param tasks the number of tasks, at least 1
     * @return the batched set, with the same names, heads and buffer flags
     */
    public Params replicate(int tasks) {
        if (tasks < 1) {
            throw new IllegalArgumentException("replicate for at least one task, got " + tasks);
        }
        List<NDArray> out = new ArrayList<>(arrays.size());
        for (int i = 0; i < arrays.size(); i++) {
            NDArray a = arrays.get(i);
            NDArray b = a.expandDims(0).broadcast(new ai.djl.ndarray.types.Shape(tasks).addAll(a.getShape()));
            out.add(buffers[i] ? b.duplicate() : b);
        }
        return derive(out);
    }

    private int indexOf(String name) {
        Integer i = index.get(name);
        if (i == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'; have " + names);
        }
        return i;
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
        return arrays.get(indexOf(name));
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
     * The same names (and heads) with other arrays, such as gradients or adapted weights.
     *
     * @param values one array per parameter, in order
     * @return new parameters
     */
    public Params withArrays(List<NDArray> values) {
        return derive(values);
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
        return derive(out);
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
        return derive(out);
    }

    /**
     * The parameters whose names pass a test, in order.
     *
     * @param keep the test
     * @return the subset
     */
    public Params filter(Predicate<String> keep) {
        return where(i -> keep.test(names.get(i)));
    }

    /**
     * These parameters followed by others; names must not clash.
     *
     * @param other more parameters
     * @return the union
     */
    public Params concat(Params other) {
        return new Builder().addAll(this).addAll(other).build();
    }

    /**
     * Temporarily attaches every array to a step's manager, so that results of operations whose
     * first operand is a parameter land there and are freed with the step; closing the manager
     * returns the arrays to their own managers. Without this a long-lived parameter collects
     * every result computed from it, step after step.
     *
     * <p>Attachments nest (an evaluation chunk inside an evaluation): each closing manager returns
     * the arrays to the one before. An array already in {@code step} is left alone, because
     * attaching it there a second time would make closing {@code step} return it to {@code step}
     * itself, and close it.
     *
     * @param step the step's manager
     * @return these parameters
     */
    public Params tempAttach(NDManager step) {
        for (NDArray a : arrays) {
            if (a.getManager() != step) {
                a.tempAttach(step);
            }
        }
        return this;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Params{");
        for (int i = 0; i < names.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(names.get(i)).append(arrays.get(i).getShape());
            if (buffers[i]) {
                sb.append(" (buffer)");
            }
        }
        return sb.append('}').toString();
    }

    /** Collects named arrays in order. */
    public static final class Builder {
        private final List<String> names = new ArrayList<>();
        private final List<NDArray> arrays = new ArrayList<>();
        private final List<Integer> heads = new ArrayList<>();
        private final List<Boolean> buffers = new ArrayList<>();

        private Builder() {}

        /**
         * Adds an encoder parameter.
         *
         * @param name its unique name
         * @param array its array
         * @return this builder
         */
        public Builder add(String name, NDArray array) {
            return addHead(ENCODER, name, array);
        }

        /**
         * Adds a parameter of one head.
         *
         * @param head the head's index in the dataset's task order, or {@link #ENCODER}
         * @param name its unique name
         * @param array its array
         * @return this builder
         */
        public Builder addHead(int head, String name, NDArray array) {
            return put(head, name, array, false);
        }

        /**
         * Adds an encoder buffer: non-trained state, such as a running mean (see the class doc).
         *
         * @param name its unique name
         * @param array its array, which must not require a gradient
         * @return this builder
         * @throws IllegalArgumentException if the array requires a gradient
         */
        public Builder addBuffer(String name, NDArray array) {
            return addBuffer(ENCODER, name, array);
        }

        /**
         * Adds a buffer of one head, or of the encoder.
         *
         * @param head the head's index, or {@link #ENCODER}
         * @param name its unique name
         * @param array its array, which must not require a gradient
         * @return this builder
         * @throws IllegalArgumentException if the array requires a gradient
         */
        public Builder addBuffer(int head, String name, NDArray array) {
            if (array.hasGradient()) {
                throw new IllegalArgumentException("buffer '" + name + "' requires a gradient; buffers are not"
                        + " trained, so leave setRequiresGradient off (or add it as a parameter)");
            }
            return put(head, name, array, true);
        }

        private Builder put(int head, String name, NDArray array, boolean buffer) {
            names.add(name);
            arrays.add(array);
            heads.add(head);
            buffers.add(buffer);
            return this;
        }

        /**
         * Adds all parameters of another set, keeping their heads and buffer flags.
         *
         * @param params the parameters
         * @return this builder
         */
        public Builder addAll(Params params) {
            for (int i = 0; i < params.names.size(); i++) {
                put(params.heads[i], params.names.get(i), params.arrays.get(i), params.buffers[i]);
            }
            return this;
        }

        /**
         * Builds the parameters.
         *
         * @return the parameters
         */
        public Params build() {
            boolean[] b = new boolean[buffers.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = buffers.get(i);
            }
            return new Params(names, arrays, heads.stream().mapToInt(Integer::intValue).toArray(), b);
        }
    }
}
