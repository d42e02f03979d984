package dev.meta4j.api.model;

import dev.meta4j.api.PluginFactory;

/** Finds and creates backbones ({@code model { type = ... }} in a config). */
public interface BackboneFactory extends PluginFactory<Backbone> {}
