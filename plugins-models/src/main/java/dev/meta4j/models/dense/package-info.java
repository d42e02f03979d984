/**
 * The dense multi-task models of issue 10: SegNet with task attention ({@code mtan-segnet}) and the
 * split SegNet ({@code segnet-split}) for NYUv2 and Cityscapes, the nine-layer CelebA network
 * ({@code celeba-cnn}) and the QM9 message-passing network ({@code qm9-mpnn}), with their layers:
 * max-pooling that remembers where each maximum was and the matching unpooling ({@link
 * dev.meta4j.models.dense.IndexedMaxPool}), bilinear upsampling with aligned corners ({@link
 * dev.meta4j.models.dense.Bilinear}), the attention module, the edge-conditioned convolution
 * ({@link dev.meta4j.models.dense.NnConv}), the GRU and LSTM cells and Set2Set.
 *
 * <p>All four follow the FAMO and Nash-MTL repositories' models (which copy MTAN's and PyTorch
 * Geometric's), read for their structure; each class's javadoc lists where it deviates.
 */
package dev.meta4j.models.dense;
