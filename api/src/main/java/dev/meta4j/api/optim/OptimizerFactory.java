package dev.meta4j.api.optim;

import dev.meta4j.api.PluginFactory;

/** Finds and creates optimizers ({@code optimizer { type = ... }} in a config). */
public interface OptimizerFactory extends PluginFactory<Optimizer> {}
