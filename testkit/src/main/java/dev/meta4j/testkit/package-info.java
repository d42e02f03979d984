/**
 * meta4j's test kit for plugin authors (test scope): {@link dev.meta4j.testkit.PluginHarness}
 * creates a plugin exactly as the runtime does and hands back a closable {@link
 * dev.meta4j.testkit.PluginHandle}; {@link dev.meta4j.testkit.PluginChecks} asserts that
 * ServiceLoader discovers it and that {@code meta4j describe} renders its documented defaults;
 * {@link dev.meta4j.testkit.FiniteDifferences} checks gradients.
 */
package dev.meta4j.testkit;
