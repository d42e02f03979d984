package dev.meta4j.api.weighting;

import dev.meta4j.api.PluginFactory;

/** Finds and creates weighting methods ({@code weighting { type = ... }} in a config). */
public interface WeightingFactory extends PluginFactory<WeightingMethod> {}
