package dev.meta4j.datasets;

import ai.djl.ndarray.NDManager;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;
import dev.meta4j.api.data.ClassIndexedSource;
import dev.meta4j.api.data.DataSpec;
import dev.meta4j.api.data.EpisodeShape;
import dev.meta4j.api.data.Episodes;
import dev.meta4j.api.data.TaskBatch;

/**
 * A task source whose episodes an {@link EpisodicImages} sampler draws: training episodes
 * from the caller's generator, held-out ones from the split's seed. Episodic image datasets
 * extend it with their own loading. Training episodes name their classes ({@link
 * ClassIndexedSource}) by their position in the training split's class list.
 */
public class EpisodicImageSource implements ClassIndexedSource {

    private final EpisodicImages sampler;
    private final DataSpec spec;

    /**
     * A source.
     *
     * @param sampler the sampler
     * @param spec the image shape and the task ({@code ways}-way classification)
     */
    public EpisodicImageSource(EpisodicImages sampler, DataSpec spec) {
        this.sampler = sampler;
        this.spec = spec;
    }

    /**
     * The sampler.
     *
     * @return the sampler this source draws from
     */
    protected EpisodicImages sampler() {
        return sampler;
    }

    @Override
    public DataSpec spec() {
        return spec;
    }

    @Override
    public EpisodeShape episodeShape(Split split) {
        return sampler.shape(split);
    }

    @Override
    public TaskBatch sample(int tasks, Rng rng, NDManager manager) {
        return sampler.draw(Split.TRAIN, tasks, rng, manager);
    }

    @Override
    public int trainingClasses() {
        return sampler.classes(Split.TRAIN).length;
    }

    @Override
    public Drawn sampleClasses(int tasks, Rng rng, NDManager manager) {
        int[][] classes = new int[tasks][sampler.shape(Split.TRAIN).ways()];
        TaskBatch episodes = sampler.draw(Split.TRAIN, tasks, rng, manager, classes);
        return new Drawn(episodes, classes);
    }

    @Override
    public Episodes evaluationEpisodes(Split split, int count) {
        return sampler.episodes(split, count);
    }
}
