package dev.meta4j.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.autograd.Scalar;

/**
 * A batch of molecules in the dense padded layout that {@code qm9-mpnn} reads: one array {@code
 * [N, M, 1 + F + E·M]} per batch, {@code M} atom slots per molecule (29 for QM9), {@code F} atom
 * and {@code E} edge features (11 and 5). Row {@code i} of molecule {@code n} is {@code [mask_i,
 * x_i (F), e_i0 (E), …, e_i(M−1) (E)]}: {@code mask_i} is 1 for a real atom and 0 for an empty
 * slot, {@code x_i} the atom's features, {@code e_ij} the features of the edge along which atom
 * {@code i} receives from atom {@code j} (PyG's edge {@code j → i}; QM9's bond types and distances
 * are symmetric). The graph is complete over the real atoms without self-loops (PyG's {@code
 * Complete()} transform): atom {@code i} receives from every real {@code j ≠ i}, whatever {@code
 * e_ij} holds. Real atoms may sit in any slots; the values in empty slots and in {@code e_ii} are
 * never read into a result (they are multiplied by exact zeros), so a loader may leave them 0.
 *
 * @param atoms {@code [N, M, F]}
 * @param edges {@code [N, M, M, E]}
 * @param nodeMask {@code [N, M, 1]}, 1 for real atoms, no gradient
 * @param weights {@code [N, M, M]}: {@code w_ij = a_ij / max(1, Σ_j a_ij)} with the adjacency
 *     {@code a_ij = mask_i mask_j [i ≠ j]}, the mean over atom {@code i}'s neighbours, no gradient
 * @param present {@code [N, 1]}, 1 for a molecule with at least one real atom, no gradient
 */
record Molecules(NDArray atoms, NDArray edges, NDArray nodeMask, NDArray weights, NDArray present) {

    /**
     * Unpacks a batch.
     *
     * @param input {@code [N, M, 1 + F + E·M]}
     * @param atomFeatures {@code F}
     * @param edgeFeatures {@code E}
     * @return the parts
     * @throws IllegalArgumentException if the width does not fit {@code F}, {@code E} and {@code M}
     */
    static Molecules unpack(NDArray input, long atomFeatures, long edgeFeatures) {
        Shape s = input.getShape();
        if (s.dimension() != 3 || s.get(2) != width(s.get(1), atomFeatures, edgeFeatures)) {
            throw new IllegalArgumentException("molecules come as [N, M, 1 + F + E*M] = [N, M, "
                    + (s.dimension() == 3 ? width(s.get(1), atomFeatures, edgeFeatures) : "?") + "] for F = "
                    + atomFeatures + " atom and E = " + edgeFeatures + " edge features; got " + s);
        }
        long n = s.get(0);
        long m = s.get(1);
        NDManager mgr = input.getManager();
        NDArray data = input.stopGradient();
        NDArray mask = data.get(":, :, 0:1");
        NDArray atoms = input.get(":, :, 1:" + (1 + atomFeatures));
        NDArray edges = input.get(":, :, " + (1 + atomFeatures) + ":").reshape(n, m, m, edgeFeatures);
        NDArray offDiagonal = mgr.eye(Math.toIntExact(m), Math.toIntExact(m), 0, input.getDataType()).neg().add(1);
        NDArray adjacency = mask.mul(mask.transpose(0, 2, 1)).mul(offDiagonal);
        NDArray degree = adjacency.sum(new int[] {2}, true);
        NDArray one = Scalar.of(mgr, 1, input.getDataType());
        NDArray weights = adjacency.div(degree.maximum(one));
        NDArray present = mask.max(new int[] {1});
        return new Molecules(atoms, edges, mask, weights, present);
    }

    /**
     * The row width of the layout.
     *
     * @param slots {@code M}
     * @param atomFeatures {@code F}
     * @param edgeFeatures {@code E}
     * @return {@code 1 + F + E·M}
     */
    static long width(long slots, long atomFeatures, long edgeFeatures) {
        return 1 + atomFeatures + edgeFeatures * slots;
    }
}
