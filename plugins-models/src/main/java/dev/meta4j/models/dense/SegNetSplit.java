package dev.meta4j.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.auto.service.AutoService;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.Rng;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.BackboneFactory;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import java.util.List;

/**
 * The shared SegNet with one prediction head per task: the "split" multi-task baseline of MTAN's
 * code ({@code model_segnet_split.py}, standard variant; the FAMO and Nash-MTL repositories'
 * {@code SegNetSplit}).
 *
 * <p>The encoder is the whole SegNet ({@link SegNetTrunk}); the representation is its last decoder
 * output {@code [N, f[0], H, W]} (what those repositories return as the representation), and every
 * task's head ({@link PixelHeads}: conv 3×3, conv 1×1, output function) reads it. With the
 * official filters and NYUv2's 13 + 1 + 3 channels: 25,055,185 trained parameters (24,943,296 of
 * them shared) and 14,336 running statistics, PyTorch's counts of the FAMO model.
 *
 * <p><b>Deviations.</b> Any filter list ({@code [64, 128, 256, 512, 1024]} is the official "wide"
 * variant; the "deep" variant, two convolutions per layer, is not offered), tasks and channels from
 * the dataset, output functions by task name, meta4j's generator for the initial draws; unpooling
 * and pooling as {@link IndexedMaxPool}.
 */
public final class SegNetSplit implements Backbone {

    static final String NAME = "segnet-split";

    private final SegNetTrunk trunk;
    private final PixelHeads heads;

    SegNetSplit(Config c, Layers layers) {
        this.trunk = new SegNetTrunk(c.getIntList("filters"), layers);
        this.heads = new PixelHeads(c, layers);
    }

    @Override
    public Params init(DataSpec spec, Rng rng, NDManager manager, DataType dataType) {
        long[] in = trunk.checkInput(NAME, spec);
        heads.check(NAME, spec);
        Params.Builder b = Params.builder();
        trunk.declare(b, in[0], manager, rng, dataType);
        heads.declare(b, spec, trunk.filters(0), manager, rng, dataType);
        return b.build();
    }

    @Override
    public NDArray encode(Params params, NDArray input, Forward forward) {
        List<NDArray> dec = trunk.run(params, input, forward).dec();
        return dec.get(dec.size() - 1);
    }

    @Override
    public NDList heads(Params params, NDArray representation, Forward forward) {
        List<String> stems = PixelHeads.stems(params);
        NDList out = new NDList(stems.size());
        for (String stem : stems) {
            out.add(heads.apply(params, stem, representation));
        }
        return out;
    }

    /** Registers {@code segnet-split}. */
    @AutoService(BackboneFactory.class)
    public static final class Factory implements BackboneFactory {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String summary() {
            return "shared SegNet encoder-decoder with one per-pixel head per task (MTAN's split baseline)";
        }

        @Override
        public Backbone create(PluginContext ctx) {
            return new SegNetSplit(ctx.config(), new Layers(ctx.config(), ctx.convolution(), ctx.autograd()));
        }
    }
}
