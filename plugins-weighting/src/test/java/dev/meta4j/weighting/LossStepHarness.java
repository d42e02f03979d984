package dev.meta4j.weighting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.autograd.GraphMode;
import dev.meta4j.api.model.Params;
import dev.meta4j.api.optim.TrainingClock;
import dev.meta4j.api.weighting.Combination;
import dev.meta4j.api.weighting.Need;
import dev.meta4j.api.weighting.TaskSignals;
import dev.meta4j.api.weighting.WeightingMethod;
import dev.meta4j.runtime.plugin.PluginKind;
import dev.meta4j.runtime.testing.PluginTestKit;

/** Runs a weighting method's step the way a training loop does, and reads the outcome back. */
final class LossStepHarness {

    private LossStepHarness() {}

    /**
     * What one step produced, in doubles.
     *
     * @param objective the objective's value
     * @param gradLosses d objective / d losses
     * @param weights the logged task weights
     * @param gradParameters d objective / d each of the method's own parameters, flattened
     * @param objectiveType the objective's data type
     */
    record Outcome(double objective, double[] gradLosses, double[] weights, double[] gradParameters,
            DataType objectiveType) {

        boolean allFinite() {
            return Double.isFinite(objective) && finite(gradLosses) && finite(weights) && finite(gradParameters);
        }

        @Override
        public String toString() {
            return "objective " + objective + ", d/dl " + java.util.Arrays.toString(gradLosses) + ", weights "
                    + java.util.Arrays.toString(weights) + ", d/dparams " + java.util.Arrays.toString(gradParameters);
        }

        private static boolean finite(double[] a) {
            for (double v : a) {
                if (!Double.isFinite(v)) {
                    return false;
                }
            }
            return true;
        }
    }

    static WeightingMethod create(PluginTestKit kit, String name, String config) {
        return kit.create(PluginKind.WEIGHTING, name, config, WeightingMethod.class);
    }

    static Outcome step(PluginTestKit kit, WeightingMethod method, double[] losses, long step, long epoch) {
        return step(kit, method, losses, step, epoch, DataType.FLOAT64);
    }

    /**
     * One {@code combine} on recorded losses in a fresh step manager, then the gradient of the
     * objective with respect to the losses and the method's parameters.
     */
    static Outcome step(PluginTestKit kit, WeightingMethod method, double[] losses, long step, long epoch,
            DataType type) {
        assertEquals(Need.LOSSES, method.need(step), "a loss-based method needs only the losses");
        Params params = method.parameters();
        try (NDManager m = kit.manager().newSubManager()) {
            NDArray l = m.create(losses).toType(type, false);
            l.setRequiresGradient(true);
            try (Autograd.Scope rec = kit.autograd().record()) {
                Combination c = method.combine(TaskSignals.lossesOnly(l, clock(step, epoch), m));
                Combination.Objective o = assertInstanceOf(Combination.Objective.class, c);
                assertEquals(0, o.maxSharedGradientNorm(), "no clipping");
                assertEquals(new Shape(), o.objective().getShape(), "a scalar objective");
                assertNotNull(o.taskWeights(), "weights to log");
                assertEquals(new Shape(losses.length), o.taskWeights().getShape());
                assertFalse(o.taskWeights().hasGradient(), "logged weights are detached");
                NDList inputs = new NDList(l);
                inputs.addAll(params.arrays());
                NDList grads = kit.autograd().grad(o.objective(), inputs, GraphMode.RELEASE);
                double[] gradParams = new double[0];
                if (params.size() > 0) {
                    NDList flat = new NDList();
                    for (NDArray g : grads.subNDList(1)) {
                        flat.add(g.flatten());
                    }
                    gradParams = doubles(NDArrays.concat(flat));
                }
                return new Outcome(doubles(o.objective())[0], doubles(grads.get(0)), doubles(o.taskWeights()),
                        gradParams, o.objective().getDataType());
            }
        }
    }

    /**
     * A training clock at {@code epoch}: at {@code step} with steps per epoch chosen so that {@code
     * step / stepsPerEpoch = epoch}, or, where no such count exists (the DWA tests give epochs
     * freely, such as epoch 3 at step 1), at step {@code epoch} with one step per epoch. Of the
     * loss-based methods only DWA reads the clock, and only its epoch.
     */
    static TrainingClock clock(long step, long epoch) {
        if (epoch == 0) {
            return new TrainingClock(step, step + 1, step + 1);
        }
        for (long perEpoch = Math.max(1, step / (epoch + 1)); perEpoch <= step / epoch; perEpoch++) {
            if (step / perEpoch == epoch) {
                return new TrainingClock(step, step + 1, perEpoch);
            }
        }
        return new TrainingClock(epoch, epoch + 1, 1);
    }

    /** Gives FAMO (or any method that wants them) the losses after the step. */
    static void afterStep(PluginTestKit kit, WeightingMethod method, double[] lossesAfter) {
        assertTrue(method.wantsLossesAfterStep());
        try (NDManager m = kit.manager().newSubManager(); Autograd.Scope off = kit.autograd().pause()) {
            method.afterStep(m.create(lossesAfter));
        }
    }

    /** Overwrites a parameter's values in place, as a checkpoint restore or an optimizer would. */
    static void setValues(PluginTestKit kit, NDArray target, double[] values) {
        try (NDManager m = kit.manager().newSubManager(); Autograd.Scope off = kit.autograd().pause()) {
            target.set(m.create(values).toType(target.getDataType(), false).toByteBuffer());
        }
    }

    static double[] doubles(NDArray a) {
        return a.stopGradient().toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
