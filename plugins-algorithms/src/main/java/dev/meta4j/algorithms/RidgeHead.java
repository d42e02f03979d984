package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * MetaOptNet's ridge-regression head (MetaOptNet-RR): per class {@code m}, the dual of
 * {@code min_w ||X w - y_m||² + λ ||w||²} in its Woodbury form, {@code α_m = 2 (X Xᵀ + λ I)⁻¹ y_m}
 * with the {@code [S, S]} Gram matrix of the support embeddings, and the query logits
 * {@code Z Xᵀ α}. Only an {@code S × S} system is solved, however wide the embedding (16,000 for
 * ResNet-12 without pooling).
 *
 * <p>The factor 2 is the official code's ({@code MetaOptNetHead_Ridge} solves the dual QP
 * {@code min ½ αᵀ(K + λI)α − 2 yᵀα}, whose optimum is this closed form); it is twice
 * Bertinetto et al.'s R2D2 head, a difference the learnable scale absorbs but that sets where it
 * starts. The code hands this unconstrained QP to qpth with a dummy inequality; here the closed form
 * is computed directly, differentiable by ordinary autograd through the engine's batched inverse
 * (the system is symmetric positive definite with eigenvalues at least λ).
 */
final class RidgeHead implements EpisodeHead {

    private final double lambda;

    RidgeHead(double lambda) {
        if (!(lambda > 0)) {
            throw new IllegalArgumentException("ridge-lambda must be positive, got " + lambda);
        }
        this.lambda = lambda;
    }

    @Override
    public NDArray logits(NDArray support, NDArray labels, NDArray query, int ways) {
        NDManager m = support.getManager();
        long s = support.getShape().get(1);
        NDArray y = EpisodeHead.oneHot(labels, ways, support);
        NDArray ridge = m.eye((int) s, (int) s, 0, support.getDataType()).mul(lambda).expandDims(0);
        NDArray alpha = EpisodeHead.gram(support, support).add(ridge).inverse()
                .matMul(y.mul(2.0));
        return EpisodeHead.gram(query, support).matMul(alpha);
    }
}
