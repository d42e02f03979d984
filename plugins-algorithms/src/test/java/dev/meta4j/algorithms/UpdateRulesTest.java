package dev.meta4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.data.Dataset;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.TaskBatch;
import dev.meta4j.api.data.TaskSource;
import dev.meta4j.api.model.Backbone;
import dev.meta4j.api.model.Forward;
import dev.meta4j.api.model.Params;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.FiniteDifferences;
import dev.meta4j.runtime.testing.PluginTestKit;
import dev.meta4j.support.innerloop.InnerLoop;
import dev.meta4j.support.innerloop.PerLayerPerStepRule;
import dev.meta4j.support.innerloop.UpdateRule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MAML++'s per-layer-per-step rates through the support module's inner loop, on the sine MLP in
 * float64: the meta-gradient with respect to the initialisation and every step's rates against
 * central finite differences, task-batched and per task.
 */
class UpdateRulesTest {

    private static PluginTestKit kit;

    @BeforeAll
    static void open() {
        kit = PluginTestKit.open(DataType.FLOAT64, 3);
    }

    @AfterAll
    static void close() {
        kit.close();
    }

    @ParameterizedTest(name = "task-batched = {0}")
    @ValueSource(booleans = {true, false})
    void perLayerPerStepRatesGetTheirMetaGradient(boolean batched) {
        TaskSource sine = (TaskSource) kit.create(PluginKind.DATASET, "sine", "", Dataset.class);
        Backbone mlp = kit.create(PluginKind.MODEL, "mlp", "hidden = [6], activation = tanh", Backbone.class);
        Autograd autograd = kit.autograd();
        try (NDManager m = kit.manager().newSubManager()) {
            Params model = mlp.init(sine.spec(), new Rng(1), m, DataType.FLOAT64);
            PerLayerPerStepRule rule = PerLayerPerStepRule.filled(model, 3, 0.05, m, DataType.FLOAT64);
            Params all = model.concat(rule.parameters());
            TaskBatch batch = sine.sample(batched ? 3 : 1, new Rng(2), m);
            TaskBatch one = batched ? batch : batch.episode(0);
            java.util.function.Function<Params, NDArray> metaLoss = p -> {
                Params init = p.filter(model::contains);
                UpdateRule r = rule.with(p.filter(n -> !model.contains(n)));
                InnerLoop loop = new InnerLoop(autograd, r, n -> true);
                Params start = batched ? InnerLoop.taskBatched(init, 3) : init;
                InnerLoop.Adapted a = loop.adapt(start, (q, k) -> sine.spec().tasks().get(0).loss(
                        mlp.forward(q, one.supportInputs(), Forward.training(new Rng(0)).atInnerStep(k)).get(0),
                        Targets.of(one.supportTargets())), 3, GraphMode.CREATE);
                return sine.spec().tasks().get(0).loss(mlp.forward(a.params(), one.queryInputs(),
                        Forward.training(new Rng(0))).get(0), Targets.of(one.queryTargets())).mean();
            };
            NDList grads;
            try (Autograd.Scope rec = autograd.record()) {
                grads = autograd.grad(metaLoss.apply(all), all.arrays(), GraphMode.RELEASE);
            }
            double[] analytic = FiniteDifferences.flatten(grads);
            double[] numeric = FiniteDifferences.gradient(p -> {
                try (Autograd.Scope rec = autograd.record()) {
                    return metaLoss.apply(p).getDouble();
                }
            }, all, 1e-6, m);
            double err = FiniteDifferences.relativeError(analytic, numeric);
            assertTrue(err < 1e-5, "relative error " + err);
            // every step's rate of every layer matters
            for (int i = model.size(); i < all.size(); i++) {
                assertTrue(Math.abs(grads.get(i).getDouble()) > 1e-9, all.names().get(i) + " gets no meta-gradient");
            }
            // a step beyond the rule's steps is an error, not a silent reuse
            assertThrows(IllegalArgumentException.class,
                    () -> rule.apply(3, model.names().get(0), model.arrays().get(0), model.arrays().get(0)));
        }
    }
}
