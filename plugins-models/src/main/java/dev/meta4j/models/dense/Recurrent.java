package dev.meta4j.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import dev.meta4j.api.Rng;
import dev.meta4j.api.model.Params;

/**
 * One step of PyTorch's single-layer {@code GRU} and {@code LSTM}, written out, with their gate
 * order, parameter layout ({@code <name>.weight-ih} {@code [gates·hidden, in]}, {@code
 * <name>.weight-hh} {@code [gates·hidden, hidden]}, {@code <name>.bias-ih}, {@code <name>.bias-hh})
 * and initialisation ({@code U(±1/sqrt(hidden))} for all four). Inputs may have leading
 * dimensions ({@code [N, M, in]} for the atoms of a batch).
 */
final class Recurrent {

    private Recurrent() {}

    /**
     * Declares a cell.
     *
     * @param b the builder
     * @param name the stem
     * @param gates 3 for a GRU, 4 for an LSTM
     * @param in input features
     * @param hidden hidden features
     * @param m the parameters' manager
     * @param rng the generator
     * @param type the floating-point type
     */
    static void declare(Params.Builder b, String name, int gates, long in, long hidden, NDManager m, Rng rng,
            DataType type) {
        double bound = 1.0 / Math.sqrt(hidden);
        b.add(name + ".weight-ih", Init.uniform(m, rng, bound, type, gates * hidden, in));
        b.add(name + ".weight-hh", Init.uniform(m, rng, bound, type, gates * hidden, hidden));
        b.add(name + ".bias-ih", Init.uniform(m, rng, bound, type, gates * hidden));
        b.add(name + ".bias-hh", Init.uniform(m, rng, bound, type, gates * hidden));
    }

    private static NDList gates(Params p, String name, NDArray x, NDArray h, int count, boolean separate) {
        NDArray gi = x.matMul(p.get(name + ".weight-ih").transpose()).add(p.get(name + ".bias-ih"));
        NDArray gh = h.matMul(p.get(name + ".weight-hh").transpose()).add(p.get(name + ".bias-hh"));
        int last = x.getShape().dimension() - 1;
        if (separate) {
            NDList both = gi.split(count, last);
            both.addAll(gh.split(count, last));
            return both;
        }
        return gi.add(gh).split(count, last);
    }

    /**
     * A GRU step: {@code r = σ(W_ir x + b_ir + W_hr h + b_hr)}, {@code z = σ(… z …)}, {@code n =
     * tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))}, {@code h' = (1 − z) ⊙ n + z ⊙ h}.
     *
     * @param p the parameters
     * @param name the stem
     * @param x the input {@code [..., in]}
     * @param h the state {@code [..., hidden]}
     * @return the new state
     */
    static NDArray gru(Params p, String name, NDArray x, NDArray h) {
        NDList g = gates(p, name, x, h, 3, true);
        NDArray r = Activation.sigmoid(g.get(0).add(g.get(3)));
        NDArray z = Activation.sigmoid(g.get(1).add(g.get(4)));
        NDArray n = g.get(2).add(r.mul(g.get(5))).tanh();
        return n.add(z.mul(h.sub(n)));
    }

    /**
     * An LSTM step with gates {@code i, f, g, o} in PyTorch's order: {@code c' = σ(f) ⊙ c + σ(i) ⊙
     * tanh(g)}, {@code h' = σ(o) ⊙ tanh(c')}.
     *
     * @param p the parameters
     * @param name the stem
     * @param x the input {@code [..., in]}
     * @param h the hidden state
     * @param c the cell state
     * @return {@code [h', c']}
     */
    static NDList lstm(Params p, String name, NDArray x, NDArray h, NDArray c) {
        NDList g = gates(p, name, x, h, 4, false);
        NDArray cell = Activation.sigmoid(g.get(1)).mul(c).add(Activation.sigmoid(g.get(0)).mul(g.get(2).tanh()));
        NDArray hidden = Activation.sigmoid(g.get(3)).mul(cell.tanh());
        return new NDList(hidden, cell);
    }
}
