package dev.meta4j.datasets;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Decoded images kept in memory up to a byte budget, so that an epoch does not decode the same
 * JPEG or PNG again: the first images decoded are kept until the budget is spent, and later ones
 * are decoded every time they are drawn.
 *
 * <p>Why not evict (LRU)? Episodes draw images uniformly, so every replacement policy hits with
 * probability budget / total in the long run; keeping what is there costs no allocations and
 * no garbage, where an LRU cache under uniform access replaces an entry on nearly every miss. The
 * budget counts pixel bytes (the arrays' lengths; the JVM adds about 16 bytes per image and the
 * map about 50). A cached image is the decoder's own output, so the pixels, and every episode,
 * are the same whether an image was cached, decoded afresh, or the budget is 0: the cache only
 * saves time (checked by {@code FewShotImageDatasetsTest}). Not thread-safe, like the sampler it
 * serves.
 */
final class ImageCache {

    private final long budget;
    private final Map<Long, byte[]> kept = new HashMap<>();
    private long used;
    private long hits;
    private long misses;

    /**
     * A cache.
     *
     * @param budgetBytes how many pixel bytes it may keep; 0 turns it off
     */
    ImageCache(long budgetBytes) {
        this.budget = budgetBytes;
    }

    /**
     * The pixels of an image, from the cache or the decoder.
     *
     * @param key the image's key, unique in this cache
     * @param decode decodes the image; called on every miss
     * @return the pixels, never to be modified by the caller
     */
    byte[] get(long key, Supplier<byte[]> decode) {
        byte[] px = kept.get(key);
        if (px != null) {
            hits++;
            return px;
        }
        misses++;
        px = decode.get();
        if (used + px.length <= budget) {
            kept.put(key, px);
            used += px.length;
        }
        return px;
    }

    /** @return the pixel bytes kept */
    long used() {
        return used;
    }

    /** @return the lookups answered from memory */
    long hits() {
        return hits;
    }

    /** @return the lookups that decoded */
    long misses() {
        return misses;
    }
}
