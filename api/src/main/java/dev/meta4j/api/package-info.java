/**
 * The meta4j plugin contract.
 *
 * <p>Every algorithm, weighting method, dataset, backbone, optimizer and scheduler is a plugin:
 * a {@link dev.meta4j.api.PluginFactory} sub-interface implementation that {@link
 * java.util.ServiceLoader} finds on the classpath or in a {@code plugins/} folder. Plugins depend
 * on this module only.
 *
 * <ul>
 *   <li>{@link dev.meta4j.api.algorithm} - training procedures and what they report
 *   <li>{@link dev.meta4j.api.weighting} - multi-task loss weighting
 *   <li>{@link dev.meta4j.api.data} - episodic task sources and multi-task datasets
 *   <li>{@link dev.meta4j.api.model} - functional backbones and their parameters
 *   <li>{@link dev.meta4j.api.optim} - optimizers and learning-rate schedules
 *   <li>{@link dev.meta4j.api.autograd} - gradients, including second-order ones
 * </ul>
 */
package dev.meta4j.api;
