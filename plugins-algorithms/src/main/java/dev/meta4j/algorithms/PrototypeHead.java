package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;
import dev.meta4j.api.autograd.Scalar;

/**
 * MetaOptNet's ProtoNet head, for comparison: {@link ProtoNet#logits} (negative squared Euclidean
 * distances to the class means) divided by the embedding's dimension {@code D}, as the official
 * {@code ProtoNetHead} does by default ({@code normalize=True}); without the division a 16,000-wide
 * embedding starts with logits in the thousands. {@code protonet} itself does not divide (Snell et
 * al.'s code does not).
 */
final class PrototypeHead implements EpisodeHead {

    @Override
    public NDArray logits(NDArray support, NDArray labels, NDArray query, int ways) {
        long d = support.getShape().get(2);
        NDArray raw = ProtoNet.logits(support, labels, query, ways);
        return raw.div(Scalar.of(raw.getManager(), d, raw.getDataType()));
    }
}
