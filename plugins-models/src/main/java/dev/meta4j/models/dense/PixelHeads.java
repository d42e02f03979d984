package dev.meta4j.models.dense;

import dev.meta4j.models.Temporaries;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import dev.meta4j.api.Rng;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.model.Params;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * SegNet's per-pixel task heads ({@code pred_task<t>} of MTAN's code): conv 3×3 ({@code f[0] →
 * f[0]}) then conv 1×1 ({@code f[0] → channels}), both with bias and no normalisation or
 * activation between them, then the task's output function.
 *
 * <p>The output function is chosen by task name in the model's settings, because a model cannot
 * tell a segmentation from a depth task by its shape: {@code log-softmax} lists the tasks whose
 * scores become log-probabilities over the channel axis (MTAN's {@code F.log_softmax(..., dim=1)}
 * for segmentation), {@code l2-normalise} those whose vector at every pixel is divided by its
 * Euclidean norm (surface normals, {@code x / torch.norm(x, p=2, dim=1)}, no epsilon, as the
 * official code), every other task's output is the raw map (depth). A listed name that the dataset
 * does not have is ignored, so a single-task view of a dataset ({@code experiment.tasks}) keeps
 * the same settings.
 *
 * <p>Head {@code t} has {@code head.<task>.conv1.weight/bias} and {@code head.<task>.conv2.weight/bias},
 * {@code xavier_normal_} weights and zero biases, tagged with the task's index.
 */
final class PixelHeads {

    /** A head's output function. */
    enum Output {
        /** Raw scores. */
        NONE,
        /** Log-probabilities over the channel axis. */
        LOG_SOFTMAX,
        /** Unit vectors over the channel axis. */
        L2_NORMALISE
    }

    private static final String HEAD = "head.";

    private final List<String> logSoftmax;
    private final List<String> normalise;
    private final Layers layers;

    /**
     * Heads configured by a model's {@code log-softmax} and {@code l2-normalise} lists.
     *
     * @param c the model's settings
     * @param layers the layers
     */
    PixelHeads(Config c, Layers layers) {
        this.logSoftmax = c.getStringList("log-softmax");
        this.normalise = c.getStringList("l2-normalise");
        this.layers = layers;
        Set<String> both = new HashSet<>(logSoftmax);
        both.retainAll(normalise);
        if (!both.isEmpty()) {
            throw new IllegalArgumentException("task(s) " + new java.util.TreeSet<>(both)
                    + " are in both log-softmax and l2-normalise; a head has one output function");
        }
    }

    /**
     * Checks that every task of a dataset is a per-pixel map at the image's resolution.
     *
     * @param model the model's name, for messages
     * @param spec the dataset's shape
     */
    void check(String model, DataSpec spec) {
        long[] in = spec.inputShape();
        for (Task t : spec.tasks()) {
            long[] s = t.outputShape();
            if (s.length != 3 || s[0] < 1 || s[1] != in[1] || s[2] != in[2]) {
                throw new IllegalArgumentException(model + " predicts per-pixel maps [channels, " + in[1] + ", " + in[2]
                        + "] at the image's resolution, but task '" + t.name() + "' outputs "
                        + java.util.Arrays.toString(s));
            }
            if (output(t.name()) == Output.LOG_SOFTMAX && s[0] < 2) {
                throw new IllegalArgumentException(model + ": log-softmax over the single channel of task '" + t.name()
                        + "' would be constant 0; remove it from log-softmax");
            }
        }
    }

    /**
     * A task's output function, from the settings.
     *
     * @param task the task's name
     * @return its function
     */
    Output output(String task) {
        return logSoftmax.contains(task) ? Output.LOG_SOFTMAX
                : normalise.contains(task) ? Output.L2_NORMALISE : Output.NONE;
    }

    /**
     * Declares every task's head, in the spec's order.
     *
     * @param b the builder
     * @param spec the dataset's shape
     * @param features the representation's channels {@code f[0]}
     * @param m the parameters' manager
     * @param rng the generator
     * @param type the floating-point type
     */
    void declare(Params.Builder b, DataSpec spec, long features, NDManager m, Rng rng, DataType type) {
        for (int t = 0; t < spec.taskCount(); t++) {
            Task task = spec.tasks().get(t);
            String stem = HEAD + task.name();
            Layers.conv(b, t, stem + ".conv1", features, features, 3, true, Layers.Weights.XAVIER, m, rng, type);
            Layers.conv(b, t, stem + ".conv2", task.outputShape()[0], features, 1, true, Layers.Weights.XAVIER, m, rng,
                    type);
        }
    }

    /**
     * The head stems present in a parameter set, in order: {@code head.<task>} of every head.
     *
     * @param p the parameters
     * @return the stems, one per head
     */
    static List<String> stems(Params p) {
        List<String> stems = new ArrayList<>();
        for (String name : p.names()) {
            if (p.headOf(name) != Params.ENCODER && name.endsWith(".conv1.weight")) {
                stems.add(name.substring(0, name.length() - ".conv1.weight".length()));
            }
        }
        return stems;
    }

    /**
     * One head's output.
     *
     * @param p the parameters
     * @param stem the head's stem
     * @param x its input {@code [N, f[0], H, W]}
     * @return {@code [N, channels, H, W]}, after the output function of the stem's task
     */
    NDArray apply(Params p, String stem, NDArray x) {
        Output output = output(stem.substring(HEAD.length()));
        return Temporaries.scoped(x, in -> {
            NDArray y = layers.conv(p, stem + ".conv2", layers.conv(p, stem + ".conv1", in));
            return switch (output) {
                case NONE -> y;
                case LOG_SOFTMAX -> y.logSoftmax(1);
                case L2_NORMALISE -> y.div(y.square().sum(new int[] {1}, true).sqrt());
            };
        });
    }
}
