package dev.meta4j.support.innerloop;

import ai.djl.ndarray.NDArray;
import dev.meta4j.api.autograd.Scalar;
import dev.meta4j.api.model.Params;

/** Plain SGD with one fixed learning rate: {@code w - lr g} (MAML, ANIL). */
public final class SgdRule implements UpdateRule {

    private final double lr;

    /**
     * @param lr the inner learning rate
     * @throws IllegalArgumentException unless positive and finite
     */
    public SgdRule(double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("inner learning rate must be positive, got " + lr);
        }
        this.lr = lr;
    }

    @Override
    public Params parameters() {
        return Params.empty();
    }

    @Override
    public UpdateRule with(Params parameters) {
        return this;
    }

    @Override
    public NDArray apply(int step, String name, NDArray w, NDArray g) {
        return w.sub(g.mul(Scalar.of(g.getManager(), lr, g.getDataType())));
    }
}
