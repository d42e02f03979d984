package dev.meta4j.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.BackboneFactory;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.models.LinearHeads;

/**
 * The QM9 message-passing network of the FAMO and Nash-MTL repositories ({@code
 * experiments/quantum_chemistry/models.py}, {@code Net}), which follows PyTorch Geometric's {@code
 * examples/qm9_nn_conv.py} and Gilmer et al. (2017): {@code lin0} ({@code F → dim}) and ReLU;
 * {@code iterations} (3) times the one edge-conditioned convolution {@link NnConv} ({@code encoder.conv},
 * edge network {@code Linear(E, 128) → ReLU → Linear(128, dim²)}, mean over neighbours), ReLU and
 * one GRU step ({@code encoder.gru}, the state starting at {@code lin0}'s output); {@link Set2Set}
 * ({@code set2set-steps} = 3); {@code lin1} ({@code 2·dim → dim}) and ReLU, the representation
 * (FAMO's {@code features}); one linear head ({@code dim → outputs(t)}) per task, the repositories'
 * {@code head_i} (PyG's example's {@code lin2} split by output). Width {@code dim} = 64: 617,675
 * trained parameters for 11 targets. No batch norm or dropout, so training and evaluation passes
 * are the same.
 *
 * <p><b>Input layout</b>: {@link Molecules}, one array {@code [N, M, 1 + F + E·M]} per batch (the
 * spec's input shape {@code [M, 1 + F + E·M]}, {@code F = atom-features}, {@code E =
 * edge-features}), a complete graph over each molecule's real atoms.
 *
 * <p><b>Why dense and padded.</b> A QM9 molecule has at most 29 atoms, so a batch padded to 29
 * slots wastes little (the mean is 18) and message passing becomes batched matrix products, with no
 * scatter or gather over edge lists, which DJL's api does not offer with gradients and which cost a
 * DJL call per op besides. Masks make the padding exact rather than approximate: empty slots are
 * zero after every layer, never send (their adjacency weight is 0), are outside every mean and get
 * weight 0 in Set2Set's softmax, so adding empty slots or moving atoms between slots leaves every
 * output unchanged (to rounding). The per-edge weight matrices of {@code NNConv} are never formed
 * ({@link NnConv} explains the reordering): for a batch of 120 at width 64 that is 0.1 GB of edge
 * codes per pass and 0.12 GB of projected atoms per iteration (float32), instead of 1.65 GB of edge
 * matrices per iteration.
 *
 * <p><b>Deviations.</b> Initial values from meta4j's generator (PyG's and PyTorch's distributions);
 * the edge network is evaluated once per forward pass and shared by the iterations (PyG evaluates
 * the same network on the same edges three times: the same values and the same gradient); the
 * softmax of Set2Set without PyG's {@code 1e-16}; empty molecules give finite outputs.
 */
public final class Qm9Mpnn implements Backbone {

    static final String NAME = "qm9-mpnn";

    private final long dim;
    private final long edgeHidden;
    private final int iterations;
    private final int steps;
    private final long atomFeatures;
    private final long edgeFeatures;

    Qm9Mpnn(Config c) {
        this.dim = c.getInt("dim");
        this.edgeHidden = c.getInt("edge-hidden");
        this.iterations = c.getInt("iterations");
        this.steps = c.getInt("set2set-steps");
        this.atomFeatures = c.getInt("atom-features");
        this.edgeFeatures = c.getInt("edge-features");
        if (dim < 1 || edgeHidden < 1 || iterations < 0 || steps < 1 || atomFeatures < 1 || edgeFeatures < 1) {
            throw new IllegalArgumentException(NAME + ": dim, edge-hidden, set2set-steps, atom-features and"
                    + " edge-features must be positive and iterations at least 0");
        }
    }

    @Override
    public Params init(DataSpec spec, Rng rng, NDManager manager, DataType dataType) {
        long[] in = spec.inputShape();
        if (in.length != 2 || in[0] < 1 || in[1] != Molecules.width(in[0], atomFeatures, edgeFeatures)) {
            throw new IllegalArgumentException(NAME + " takes molecules as [M, 1 + F + E*M] per example (M atom slots, a"
                    + " mask column, F = " + atomFeatures + " atom features, E = " + edgeFeatures + " edge features per"
                    + " slot; see atom-features, edge-features); the dataset's inputs are " + new Shape(in));
        }
        Params.Builder b = Params.builder();
        Layers.linear(b, Params.ENCODER, "encoder.lin0", dim, atomFeatures, true, manager, rng, dataType);
        NnConv.declare(b, "encoder.conv", dim, dim, edgeFeatures, edgeHidden, manager, rng, dataType);
        Recurrent.declare(b, "encoder.gru", 3, dim, dim, manager, rng, dataType);
        Set2Set.declare(b, "encoder.set2set", dim, manager, rng, dataType);
        Layers.linear(b, Params.ENCODER, "encoder.lin1", dim, 2 * dim, true, manager, rng, dataType);
        for (int t = 0; t < spec.taskCount(); t++) {
            Task task = spec.tasks().get(t);
            Layers.linear(b, t, "head." + task.name(), task.outputs(), dim, true, manager, rng, dataType);
        }
        return b.build();
    }

    @Override
    public NDArray encode(Params params, NDArray input, Forward forward) {
        Molecules mol = Molecules.unpack(input, atomFeatures, edgeFeatures);
        NDArray mask = mol.nodeMask();
        NDArray out = Activation.relu(linear(params, "encoder.lin0", mol.atoms())).mul(mask);
        NDArray codes = NnConv.edgeCodes(params, "encoder.conv", mol);
        for (int i = 0; i < iterations; i++) {
            NDArray m = Activation.relu(NnConv.apply(params, "encoder.conv", out, codes));
            out = Recurrent.gru(params, "encoder.gru", m, out).mul(mask);
        }
        NDArray q = Set2Set.apply(params, "encoder.set2set", out, mask, mol.present(), steps);
        return Activation.relu(linear(params, "encoder.lin1", q));
    }

    private static NDArray linear(Params p, String name, NDArray x) {
        return x.matMul(p.get(name + ".weight").transpose()).add(p.get(name + ".bias"));
    }

    @Override
    public NDList heads(Params params, NDArray representation, Forward forward) {
        return LinearHeads.apply(params, representation);
    }

    /** Registers {@code qm9-mpnn}. */
    @AutoService(BackboneFactory.class)
    public static final class Factory implements BackboneFactory {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String summary() {
            return "QM9 message passing (Gilmer et al. 2017): NNConv + GRU, Set2Set, one linear head per target, dense padded molecules";
        }

        @Override
        public Backbone create(PluginContext ctx) {
            return new Qm9Mpnn(ctx.config());
        }
    }
}
