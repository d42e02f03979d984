package dev.meta4j.datasets.mtl;

import com.typesafe.config.Config;
import java.nio.file.Path;

/** Small things the issue-10 datasets share. */
final class Dense {

    private Dense() {}

    /**
     * The {@code root} setting, which has no default because these datasets have no standard place.
     *
     * @param c the settings
     * @param dataset the dataset's name
     * @param what what the folder must hold
     * @return the folder
     * @throws IllegalArgumentException when it is not set
     */
    static Path root(Config c, String dataset, String what) {
        if (!c.hasPath("root") || c.getString("root").isBlank()) {
            throw new IllegalArgumentException(dataset + " needs dataset.root: " + what);
        }
        return Path.of(c.getString("root"));
    }
}
