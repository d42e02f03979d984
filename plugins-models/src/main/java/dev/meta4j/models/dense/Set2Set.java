package dev.meta4j.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.model.Params;

/**
 * Set2Set readout (Vinyals, Bengio &amp; Kudlur 2016) as PyTorch Geometric's {@code Set2Set(d,
 * processing_steps)}: {@code q*} starts at zeros ({@code [N, 2d]}); each step runs an LSTM ({@code
 * 2d → d}, state from zeros) on {@code q*}, scores every atom {@code e_i = x_i · q}, takes the
 * softmax of the scores over the molecule's real atoms, reads {@code r = Σ_i a_i x_i}, and sets
 * {@code q* = [q, r]}. Parameters: {@code <name>.lstm.*} ({@link Recurrent}).
 *
 * <p>The softmax is masked: empty slots get weight exactly 0 (their scores are shifted and
 * multiplied by the mask before the exponential, so no padding value can overflow), the shift is
 * each molecule's largest real score, without gradient (the softmax does not depend on it). PyG
 * adds {@code 1e-16} to the denominator; here the denominator is at least 1 (the largest score
 * contributes {@code exp(0)}), and a molecule without atoms gets {@code r = 0} instead of NaN.
 */
final class Set2Set {

    private static final double FAR = 1e30;

    private Set2Set() {}

    /**
     * Declares the readout.
     *
     * @param b the builder
     * @param name the stem
     * @param features {@code d}
     * @param m the parameters' manager
     * @param rng the generator
     * @param type the floating-point type
     */
    static void declare(Params.Builder b, String name, long features, NDManager m, Rng rng, DataType type) {
        Recurrent.declare(b, name + ".lstm", 4, 2 * features, features, m, rng, type);
    }

    /**
     * Reads out a batch.
     *
     * @param p the parameters
     * @param name the stem
     * @param x atom states {@code [N, M, d]}
     * @param mask {@code [N, M, 1]}, 1 for real atoms
     * @param present {@code [N, 1]}, 1 for a molecule with an atom
     * @param steps the processing steps, at least 1
     * @return {@code q*}, {@code [N, 2d]}
     */
    static NDArray apply(Params p, String name, NDArray x, NDArray mask, NDArray present, int steps) {
        Shape s = x.getShape();
        long n = s.get(0);
        long d = s.get(2);
        NDManager m = x.getManager();
        DataType type = x.getDataType();
        NDArray qStar = m.zeros(new Shape(n, 2 * d), type);
        NDArray h = m.zeros(new Shape(n, d), type);
        NDArray c = m.zeros(new Shape(n, d), type);
        NDArray empty = present.neg().add(1).expandDims(2); // [N, 1, 1]: 1 for a molecule without atoms
        for (int step = 0; step < steps; step++) {
            NDList state = Recurrent.lstm(p, name + ".lstm", qStar, h, c);
            h = state.get(0);
            c = state.get(1);
            NDArray scores = x.matMul(h.expandDims(2)); // [N, M, 1]
            NDArray shift = scores.stopGradient().add(mask.sub(1).mul(FAR)).max(new int[] {1}, true);
            NDArray e = scores.sub(shift).mul(mask).exp().mul(mask);
            NDArray a = e.div(e.sum(new int[] {1}, true).add(empty));
            NDArray r = a.transpose(0, 2, 1).matMul(x).reshape(n, d);
            qStar = NDArrays.concat(new NDList(h, r), 1);
        }
        return qStar;
    }
}
