package dev.meta4j.api.algorithm;

import dev.meta4j.api.PluginFactory;

/** Finds and creates algorithms ({@code algorithm { type = ... }} in a config). */
public interface AlgorithmFactory extends PluginFactory<Algorithm> {}
