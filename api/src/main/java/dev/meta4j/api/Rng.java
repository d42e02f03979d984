package dev.meta4j.api;

import java.nio.charset.StandardCharsets;
import java.util.random.RandomGenerator;

/**
 * The seeded random generator behind every random choice in meta4j.
 *
 * <p>SplitMix64 (Steele, Lea &amp; Flood 2014): one 64-bit word of state, so that a checkpoint can
 * store it and a resumed run continues the exact same stream. {@link #split(String)} derives an
 * independent child stream from a label, which keeps plugins' draws from shifting each other.
 * Not thread-safe; give each thread its own split.
 */
public final class Rng implements RandomGenerator {

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private long state;

    /**
     * Creates a generator from a seed.
     *
     * @param seed any value; equal seeds give equal streams
     */
    public Rng(long seed) {
        this.state = mix64(seed);
    }

    /**
     * The generator's whole state, for checkpoints.
     *
     * @return the state word
     */
    public long state() {
        return state;
    }

    /**
     * Continues from a saved state, in place.
     *
     * @param savedState a value returned by {@link #state()}
     */
    public void restore(long savedState) {
        this.state = savedState;
    }

    /**
     * Derives an independent generator for a named purpose. The child depends on this
     * generator's current state and the label, and drawing from it does not advance this one.
     *
     * @param label what the child is for, such as {@code "dataset"}
     * @return the child generator
     */
    public Rng split(String label) {
        long h = state;
        for (byte b : label.getBytes(StandardCharsets.UTF_8)) {
            h = mix64(h ^ (b & 0xff)) + GOLDEN_GAMMA;
        }
        return new Rng(h);
    }

    @Override
    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix64(state);
    }

    /**
     * A uniform draw from [low, high).
     *
     * @param low the inclusive lower bound
     * @param high the exclusive upper bound
     * @return the draw
     */
    public double uniform(double low, double high) {
        return low + (high - low) * nextDouble();
    }

    /**
     * Shuffles the array in place (Fisher-Yates).
     *
     * @param values the array to shuffle
     */
    public void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    /**
     * A random permutation of {@code 0 .. n-1}.
     *
     * @param n the length
     * @return the permutation
     */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        shuffle(p);
        return p;
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
