package dev.meta4j.support.innerloop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.model.Params;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The one gradient-based adaptation routine of meta4j's meta-learners (MAML, FOMAML, ANIL,
 * Meta-SGD; MAML++ later): steps of an {@link UpdateRule} on a support loss, for one task or a
 * task-batched meta-batch, restricted to the parameters a predicate names (ANIL: the head).
 *
 * <p><b>Training</b> ({@link #adapt}) keeps the adapted parameters a function of the starting
 * ones: with {@link GraphMode#CREATE} the inner gradients are differentiable (second order), with
 * {@link GraphMode#RELEASE} they are constants (first order). Call it inside a recording scope.
 * <b>Evaluation</b> ({@link #walk}) starts every step from a detached copy, so the graph never
 * grows with the steps, and shows the caller the parameters before each step and after the last.
 *
 * <p><b>Task batching.</b> For a backbone that {@code supportsTaskBatch()}, {@link #taskBatched}
 * gives every parameter a leading task dimension. The loss returns one value per task, and the
 * inner loop differentiates their sum: since task i's loss depends only on task i's copy, the
 * gradient with respect to the copies is exactly each task's own gradient.
 *
 * <p><b>Native memory.</b> {@link #walk} attaches the starting parameters to the given manager
 * for its duration, so nothing computed from them outlives it; {@link #adapt} relies on the
 * runtime, which attaches an algorithm's parameters to every training step's manager.
 */
public final class InnerLoop {

    /** A support loss of some parameters. */
    @FunctionalInterface
    public interface Loss {
        /**
         * @param params the current parameters (all of them, adapted or not)
         * @param step the inner step, from 0 (for per-step behaviour such as per-step BatchNorm)
         * @return per-task losses {@code [T]} for task-batched parameters, else a scalar
         */
        NDArray of(Params params, int step);
    }

    /** What the evaluation walk shows its caller. */
    @FunctionalInterface
    public interface Visitor {
        /**
         * Called, outside any recording scope, before each step and after the last.
         *
         * @param step how many steps have been taken
         * @param params the parameters after those steps
         */
        void at(int step, Params params);
    }

    /** Sees an adaptation's parameters after each step (MAML++'s multi-step loss reads the query loss there). */
    @FunctionalInterface
    public interface AfterStep {
        /**
         * Called inside the adaptation's recording scope, so what it computes is differentiable.
         *
         * @param step the step just taken, from 0
         * @param params the parameters after it
         */
        void after(int step, Params params);
    }

    /**
     * The result of an adaptation.
     *
     * @param params the adapted parameters (all of them)
     * @param supportLosses the mean support loss before each step, one per step
     */
    public record Adapted(Params params, List<NDArray> supportLosses) {

        /** @return the support loss before the first step, or null after zero steps */
        public NDArray firstSupportLoss() {
            return supportLosses.isEmpty() ? null : supportLosses.get(0);
        }
    }

    private final Autograd autograd;
    private final UpdateRule rule;
    private final Predicate<String> adapts;

    /**
     * @param autograd the engine's autograd
     * @param rule the update rule
     * @param adapts which parameters (by name) the inner loop changes; the others stay fixed
     */
    public InnerLoop(Autograd autograd, UpdateRule rule, Predicate<String> adapts) {
        this.autograd = autograd;
        this.rule = rule;
        this.adapts = adapts;
    }

    /** @return the update rule */
    public UpdateRule rule() {
        return rule;
    }

    /**
     * Adapts in the current recording scope.
     *
     * @param start the starting parameters (the initialisation, or its task-batched copies)
     * @param loss the support loss
     * @param steps the inner steps
     * @param mode {@link GraphMode#CREATE} for second order, {@link GraphMode#RELEASE} for first
     * @return the adapted parameters and the support loss before each step
     */
    public Adapted adapt(Params start, Loss loss, int steps, GraphMode mode) {
        return adapt(start, loss, steps, mode, (k, p) -> { });
    }

    /**
     * Adapts in the current recording scope, showing the parameters after every step.
     *
     * @param start the starting parameters
     * @param loss the support loss
     * @param steps the inner steps
     * @param mode {@link GraphMode#CREATE} for second order, {@link GraphMode#RELEASE} for first
     * @param after sees the parameters after each step
     * @return the adapted parameters and the support loss before each step
     */
    public Adapted adapt(Params start, Loss loss, int steps, GraphMode mode, AfterStep after) {
        Params fast = start;
        List<NDArray> losses = new ArrayList<>(steps);
        for (int k = 0; k < steps; k++) {
            NDArray perTask;
            // The support pass is what a second-order inner loop differentiates twice: declared,
            // so that the engine records it in a twice-differentiable form (the CPU convolutions'
            // oneDNN double backward was wrong, DESIGN.md); the query passes stay as they are.
            try (Autograd.Scope twice = autograd.record(mode)) {
                perTask = loss.of(fast, k);
            }
            losses.add(perTask.mean());
            fast = step(fast, perTask.sum(), k, mode);
            after.after(k, fast);
        }
        return new Adapted(fast, List.copyOf(losses));
    }

    /**
     * Adapts for evaluation: each step from a detached copy (first order, a graph of one step),
     * the visitor seeing the parameters at steps {@code 0..steps}.
     *
     * @param start the starting parameters
     * @param loss the support loss
     * @param steps the inner steps
     * @param scope the evaluation chunk's manager: results computed from {@code start} land there
     * @param visitor sees the parameters before each step and after the last
     */
    public void walk(Params start, Loss loss, int steps, NDManager scope, Visitor visitor) {
        walk(start, loss, steps, scope, visitor, new NDList());
    }

    /**
     * {@link #walk(Params, Loss, int, NDManager, Visitor)}, freeing each step's work when the step
     * ends. An operation's result lands in its first operand's manager, and a model's first
     * operand is its input, so the arrays the loss reads ({@code stepInputs}: the support set) are
     * attached to each step's own manager with the parameters: the step's forward pass,
     * gradients and copies are freed when it ends and only the updated parameters are kept.
     * Without that, a 10-step evaluation of Conv4 MAML (5-way 5-shot, 4 tasks a chunk) held every
     * step's activations until the chunk ended: 1.68 GB peak RSS against 1.0 GB at one step.
     *
     * @param start the starting parameters
     * @param loss the support loss
     * @param steps the inner steps
     * @param scope the evaluation chunk's manager
     * @param visitor sees the parameters before each step and after the last
     * @param stepInputs the arrays the loss reads besides the parameters
     */
    public void walk(Params start, Loss loss, int steps, NDManager scope, Visitor visitor, NDList stepInputs) {
        start.tempAttach(scope);
        Params fast = start;
        for (int k = 0; ; k++) {
            try (Autograd.Scope off = autograd.pause()) {
                visitor.at(k, fast);
            }
            if (k == steps) {
                return;
            }
            Params before = fast;
            try (NDManager s = scope.newSubManager(); Autograd.Scope rec = autograd.record()) {
                before.tempAttach(s);
                for (NDArray x : stepInputs) {
                    x.tempAttach(s);
                }
                List<NDArray> fresh = new ArrayList<>(before.size());
                for (int i = 0; i < before.size(); i++) {
                    NDArray w = before.arrays().get(i);
                    fresh.add(adapts.test(before.names().get(i)) ? leaf(w) : w);
                }
                Params leaves = before.withArrays(fresh);
                fast = step(leaves, loss.of(leaves, k).sum(), k, GraphMode.RELEASE);
                for (int i = 0; i < fast.size(); i++) {
                    NDArray w = fast.arrays().get(i);
                    if (w != before.arrays().get(i)) {
                        w.attach(scope); // the updated parameters outlive the step
                    }
                }
            }
            // the visitor has seen them: the previous step's parameters (never the caller's start) go
            for (int i = 0; i < fast.size(); i++) {
                NDArray old = before.arrays().get(i);
                if (old != fast.arrays().get(i) && old != start.arrays().get(i)) {
                    old.close();
                }
            }
        }
    }

    private static NDArray leaf(NDArray w) {
        NDArray copy = w.stopGradient().duplicate();
        copy.setRequiresGradient(true);
        return copy;
    }

    private Params step(Params fast, NDArray loss, int k, GraphMode mode) {
        List<String> names = new ArrayList<>();
        NDList targets = new NDList();
        for (int i = 0; i < fast.size(); i++) {
            String n = fast.names().get(i);
            if (adapts.test(n)) {
                names.add(n);
                targets.add(fast.arrays().get(i));
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalStateException("the inner loop adapts no parameter (names: " + fast.names() + ")");
        }
        NDList g = autograd.grad(loss, targets, mode);
        NDArray[] next = fast.arrays().toArray(new NDArray[0]);
        for (int j = 0, i = 0; i < next.length; i++) {
            if (j < names.size() && fast.names().get(i).equals(names.get(j))) {
                next[i] = rule.apply(k, names.get(j), next[i], g.get(j));
                j++;
            }
        }
        return fast.withArrays(List.of(next));
    }

    /**
     * Task-batched copies of parameters: every array broadcast to a leading dimension of {@code
     * tasks}, still a function of the originals (gradients flow back to them). Call it inside the
     * recording scope of the adaptation: a broadcast made with recording off is not connected to
     * the originals, and per-task gradients through it come out silently wrong (DESIGN.md, traps).
     *
     * Buffers (running statistics, MAML++ only) become owned copies ({@link Params#replicate}),
     * so that each task's training passes update its own.
     *
     * @param params the parameters
     * @param tasks the tasks of the meta-batch
     * @return the copies, with the originals' names, head tags and buffer flags
     */
    public static Params taskBatched(Params params, int tasks) {
        return params.replicate(tasks);
    }
}
