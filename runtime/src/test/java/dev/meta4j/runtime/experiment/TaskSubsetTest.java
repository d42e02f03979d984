package dev.meta4j.runtime.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.MultiTaskBatch;
import dev.meta4j.api.data.MultiTaskDataset;
import dev.meta4j.api.data.RegressionTask;
import dev.meta4j.api.data.Targets;
import dev.meta4j.runtime.testing.PluginTestKit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The single-task view keeps the dataset's training draws: augmentation reaches the baselines too. */
class TaskSubsetTest {

    /** A dataset whose training draws say which generator made them (input = its first draw). */
    static final class Augmenting implements MultiTaskDataset {
        Rng seen;

        @Override
        public DataSpec spec() {
            return new DataSpec(new long[] {1}, List.of(new RegressionTask("a", 1), new RegressionTask("b", 1)));
        }

        @Override
        public int size(Split split) {
            return 4;
        }

        @Override
        public MultiTaskBatch batch(Split split, int[] indices, NDManager manager) {
            return make(manager, 0);
        }

        @Override
        public MultiTaskBatch trainingBatch(int[] indices, Rng rng, NDManager manager) {
            seen = rng;
            return make(manager, 1);
        }

        private MultiTaskBatch make(NDManager m, float marker) {
            Map<String, Targets> t = new LinkedHashMap<>();
            t.put("a", Targets.of(m.zeros(new Shape(1, 1))));
            t.put("b", Targets.of(m.ones(new Shape(1, 1))));
            return new MultiTaskBatch(m.full(new Shape(1, 1), marker, DataType.FLOAT32), t);
        }
    }

    @Test
    void trainingDrawsAreForwardedAndTargetsKept() {
        try (PluginTestKit kit = PluginTestKit.open(DataType.FLOAT32, 1); NDManager m = kit.manager().newSubManager()) {
            Augmenting all = new Augmenting();
            TaskSubset one = new TaskSubset(all, List.of("b"));
            Rng rng = new Rng(9);
            MultiTaskBatch t = one.trainingBatch(new int[] {0}, rng, m);
            assertSame(rng, all.seen, "the view passes the generator on");
            assertEquals(1f, t.inputs().getFloat(), "the augmented draw, not batch(TRAIN)");
            assertEquals(List.of("b"), List.copyOf(t.targets().keySet()));
            assertEquals(0f, one.batch(Split.TRAIN, new int[] {0}, m).inputs().getFloat());
        }
    }
}
