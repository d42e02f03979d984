package dev.meta4j.api.data;

import dev.meta4j.api.PluginFactory;

/** Finds and creates datasets ({@code dataset { type = ... }} in a config). */
public interface DatasetFactory extends PluginFactory<Dataset> {}
