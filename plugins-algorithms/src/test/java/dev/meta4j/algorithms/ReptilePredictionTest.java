package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.Optimizer;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;
import dev.meta4j.runtime.testing.TestComponents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Non-transductive prediction (the official {@code _test_predictions} without {@code
 * --transductive}): each query's output is the last row of a forward pass over the support set
 * followed by that query alone, so with batch norm it differs from predicting all queries in one
 * batch. The side-by-side (task-batched) form and the one-by-one form give the same numbers.
 */
class ReptilePredictionTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 9);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    /** The same backbone without task batching, for the one-by-one path. */
    private record Unbatched(Backbone inner) implements Backbone {
        @Override
        public Params init(DataSpec spec, Rng rng, NDManager manager, DataType dataType) {
            return inner.init(spec, rng, manager, dataType);
        }

        @Override
        public NDArray encode(Params params, NDArray input, Forward forward) {
            return inner.encode(params, input, forward);
        }

        @Override
        public NDList heads(Params params, NDArray representation, Forward forward) {
            return inner.heads(params, representation, forward);
        }
    }

    @Test
    void eachQueryIsPredictedWithTheSupportSetAndBatchedEqualsOneByOne() {
        TaskSource source = PatchEpisodes.of(3, 3, 1, DataType.FLOAT64);
        Backbone conv = kit.create(PluginKind.MODEL, "conv4", "channels = 4, blocks = 2, head = linear", Backbone.class);
        Optimizer unused = kit.create(PluginKind.OPTIMIZER, "adam", "", Optimizer.class);
        Reptile batched = (Reptile) SubPluginKit.reptile(kit, "");
        batched.init(new TestComponents(source, conv, unused, null));
        Reptile oneByOne = (Reptile) SubPluginKit.reptile(kit, "");
        oneByOne.init(new TestComponents(source, new Unbatched(conv), unused, null));
        try (NDManager m = kit.manager().newSubManager()) {
            Params p = batched.parameters();
            p.tempAttach(m);
            TaskBatch e = source.evaluationEpisodes(Split.TEST, 1).next(1, m).episode(0);
            Forward f = Forward.evaluation(new Rng(0));
            try (var off = kit.autograd().pause()) {
                NDArray side = batched.predictEachWithSupport(p, e.supportInputs(), e.queryInputs(), f);
                NDArray single = oneByOne.predictEachWithSupport(p, e.supportInputs(), e.queryInputs(), f);
                long q = e.queryInputs().getShape().get(0);
                long s = e.supportInputs().getShape().get(0);
                assertEquals(q, side.getShape().get(0));
                double worst = 0;
                for (long j = 0; j < q; j++) {
                    NDArray batch = e.supportInputs().concat(e.queryInputs().get(new NDIndex("{}:{}", j, j + 1)), 0);
                    NDArray row = conv.forward(p, batch, f).get(0).get(s);
                    worst = Math.max(worst, side.get(j).sub(row).abs().max().getDouble());
                    worst = Math.max(worst, single.get(j).sub(row).abs().max().getDouble());
                }
                assertTrue(worst < 1e-12, "largest difference " + worst);
                // transductive: the queries normalised together, other numbers
                NDArray together = conv.forward(p, e.queryInputs(), f).get(0);
                assertTrue(together.sub(side).abs().max().getDouble() > 1e-3, "batch norm saw no difference");
            }
        }
    }
}
