package dev.meta4j.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared SegNet encoder-decoder of MTAN's code ({@code SegNetSplit} and the global network of
 * {@code SegNet} with attention), generalised from its five levels {@code [64, 128, 256, 512, 512]}
 * to any list of {@code L} filter counts {@code f}.
 *
 * <p>Level {@code j} of the encoder: {@code encoder_block.j} (conv 3×3 → {@code f[j]}, BN, ReLU;
 * its output is {@code encIn[j]}), {@code conv_block_enc.j} (one such layer at levels 0 and 1, two
 * below, as the official code; its output is {@code encOut[j]}), then 2×2 max-pooling with
 * indices. Decoder step {@code j} works on level {@code k = L−1−j}: unpooling with level {@code
 * k}'s indices ({@code up[j]}, {@code f[k]} channels), {@code decoder_block.k} (→ {@code f[k−1]},
 * {@code f[0]} at {@code k = 0}), {@code conv_block_dec.k} (one layer at {@code k ≤ 1}, two below;
 * output {@code dec[j]}). Every convolution has a bias, {@code xavier_normal_} weights and zero
 * biases; every batch norm is inductive.
 *
 * <p>Parameters are declared in the order of the official module's {@code named_parameters()}
 * ({@code encoder_block}, {@code decoder_block}, {@code conv_block_enc}, {@code conv_block_dec}),
 * each as {@code encoder.<module>.<index>[.<layer>].conv/bn}, so a PyTorch state dict maps onto
 * them one to one.
 */
final class SegNetTrunk {

    private final long[] filters;
    private final Layers layers;

    /**
     * A trunk.
     *
     * @param filters the filter counts per level, at least one, each positive
     * @param layers the layers
     */
    SegNetTrunk(List<Integer> filters, Layers layers) {
        if (filters.isEmpty()) {
            throw new IllegalArgumentException("filters is empty; SegNet needs at least one level");
        }
        this.filters = new long[filters.size()];
        for (int i = 0; i < filters.size(); i++) {
            if (filters.get(i) < 1) {
                throw new IllegalArgumentException("filters " + filters + ": every count must be positive");
            }
            this.filters[i] = filters.get(i);
        }
        this.layers = layers;
    }

    /** @return the number of levels {@code L} */
    int levels() {
        return filters.length;
    }

    /**
     * @param level a level
     * @return its filter count
     */
    long filters(int level) {
        return filters[level];
    }

    /** The channels of decoder level {@code k}'s output: {@code f[k−1]}, {@code f[0]} at the top. */
    long decoderChannels(int k) {
        return filters[Math.max(k - 1, 0)];
    }

    /** Convolution layers in a level's {@code conv_block}: one at the first two levels, two below. */
    static int blockLayers(int level) {
        return level < 2 ? 1 : 2;
    }

    /**
     * Checks that a dataset's images fit: {@code [C, H, W]} with {@code H} and {@code W} divisible
     * by {@code 2^L}, because every unpooling must restore its level's size exactly.
     *
     * @param model the model's name, for messages
     * @param spec the dataset's shape
     * @return the image's {@code [C, H, W]}
     */
    long[] checkInput(String model, DataSpec spec) {
        long[] in = spec.inputShape();
        if (in.length != 3) {
            throw new IllegalArgumentException(model + " takes images [channels, height, width]; the dataset's inputs are "
                    + new Shape(in));
        }
        long side = 1L << levels();
        if (in[1] % side != 0 || in[2] % side != 0) {
            throw new IllegalArgumentException(model + " with " + levels() + " levels halves the image " + levels()
                    + " times and unpools back, so height and width must be multiples of " + side + "; the dataset's"
                    + " images are " + in[1] + "x" + in[2]);
        }
        return in;
    }

    /**
     * Declares the trunk's parameters, all of the encoder.
     *
     * @param b the builder
     * @param inChannels the image channels
     * @param m the parameters' manager
     * @param rng the generator
     * @param type the floating-point type
     */
    void declare(Params.Builder b, long inChannels, NDManager m, Rng rng, DataType type) {
        int levels = levels();
        for (int j = 0; j < levels; j++) {
            layers.convBn(b, "encoder.encoder_block." + j, filters[j], j == 0 ? inChannels : filters[j - 1], 3, true,
                    Layers.Weights.XAVIER, m, rng, type);
        }
        for (int k = 0; k < levels; k++) {
            layers.convBn(b, "encoder.decoder_block." + k, decoderChannels(k), filters[k], 3, true,
                    Layers.Weights.XAVIER, m, rng, type);
        }
        for (int j = 0; j < levels; j++) {
            for (int c = 0; c < blockLayers(j); c++) {
                layers.convBn(b, "encoder.conv_block_enc." + j + "." + c, filters[j], filters[j], 3, true,
                        Layers.Weights.XAVIER, m, rng, type);
            }
        }
        for (int k = 0; k < levels; k++) {
            for (int c = 0; c < blockLayers(k); c++) {
                layers.convBn(b, "encoder.conv_block_dec." + k + "." + c, decoderChannels(k), decoderChannels(k), 3,
                        true, Layers.Weights.XAVIER, m, rng, type);
            }
        }
    }

    /**
     * The trunk's feature maps, which MTAN's attention reads.
     *
     * @param encIn per level, the output of {@code encoder_block} ({@code g_encoder[j][0]})
     * @param encOut per level, the output of {@code conv_block_enc} ({@code g_encoder[j][1]})
     * @param up per decoder step, the unpooled input ({@code g_upsampl[j]})
     * @param dec per decoder step, the output of {@code conv_block_dec} ({@code g_decoder[j][1]});
     *     the last is the full-resolution representation
     */
    record Features(List<NDArray> encIn, List<NDArray> encOut, List<NDArray> up, List<NDArray> dec) {}

    /**
     * Runs the trunk.
     *
     * @param p the parameters
     * @param x images {@code [N, C, H, W]}
     * @param forward training or evaluation
     * @return the feature maps
     */
    Features run(Params p, NDArray x, Forward forward) {
        int levels = levels();
        List<NDArray> encIn = new ArrayList<>(levels);
        List<NDArray> encOut = new ArrayList<>(levels);
        List<NDArray> up = new ArrayList<>(levels);
        List<NDArray> dec = new ArrayList<>(levels);
        NDArray[] masks = new NDArray[levels];
        NDArray h = x;
        for (int j = 0; j < levels; j++) {
            NDArray e0 = layers.convBnRelu(p, "encoder.encoder_block." + j, h, forward);
            NDArray e1 = block(p, "encoder.conv_block_enc." + j, blockLayers(j), e0, forward);
            IndexedMaxPool.Pooled pooled = IndexedMaxPool.pool(e1);
            masks[j] = pooled.mask();
            encIn.add(e0);
            encOut.add(e1);
            h = pooled.values();
        }
        for (int j = 0; j < levels; j++) {
            int k = levels - 1 - j;
            NDArray u = IndexedMaxPool.unpool(h, masks[k]);
            NDArray d0 = layers.convBnRelu(p, "encoder.decoder_block." + k, u, forward);
            h = block(p, "encoder.conv_block_dec." + k, blockLayers(k), d0, forward);
            up.add(u);
            dec.add(h);
        }
        return new Features(encIn, encOut, up, dec);
    }

    private NDArray block(Params p, String name, int count, NDArray x, Forward forward) {
        NDArray h = x;
        for (int c = 0; c < count; c++) {
            h = layers.convBnRelu(p, name + "." + c, h, forward);
        }
        return h;
    }
}
