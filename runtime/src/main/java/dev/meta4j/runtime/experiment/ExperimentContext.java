package dev.meta4j.runtime.experiment;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import dev.meta4j.api.PluginContext;
import dev.meta4j.api.RandomArrays;
import dev.meta4j.api.Rng;
import dev.meta4j.api.autograd.Autograd;
import dev.meta4j.api.model.Convolution;

/** The {@link PluginContext} of one plugin in one experiment. */
record ExperimentContext(
        Config config, Rng rng, Device device, DataType dataType, NDManager manager, Autograd autograd,
            Convolution convolution, RandomArrays random)
        implements PluginContext {}
