package dev.meta4j.api.optim;

import dev.meta4j.api.PluginFactory;

/** Finds and creates schedulers ({@code scheduler { type = ... }} in a config). */
public interface SchedulerFactory extends PluginFactory<Scheduler> {}
