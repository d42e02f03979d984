package dev.meta4j.runtime.cli;

import dev.meta4j.runtime.scenes.RenderedScenes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code meta4j make-scenes}: writes the procedurally rendered dense benchmark in NYUv2's layout. */
@Command(name = "make-scenes", mixinStandardHelpOptions = true,
        description = {"Render a dense multi-task benchmark that trains on a CPU: ray-cast scenes of a tiled floor, a"
                + " back wall, spheres and boxes under a directional light, with exact semantic labels (0 floor,"
                + " 1 wall, 2 sphere, 3 box, -1 sky), depth (0 at the sky) and surface normals (camera frame: x"
                + " right, y down, z forward).",
            "Writes MTAN's NYUv2 layout, OUT/{train,val}/{image,label,depth,normal}/<i>.npy, which the nyuv2"
                    + " dataset reads with dataset.height and dataset.width set to the size written"
                    + " (sanity-scenes.conf). Scene i of a split depends on --seed, the split and i alone."})
final class MakeScenesCommand implements Callable<Integer> {

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "Folder to write train/ and val/ into (they must not exist yet, or be empty).")
    Path out;

    @Option(names = "--train", paramLabel = "N", defaultValue = "400",
            description = "Training scenes (default: ${DEFAULT-VALUE}).")
    int train;

    @Option(names = "--val", paramLabel = "N", defaultValue = "100",
            description = "Validation scenes, also the test split of nyuv2 (default: ${DEFAULT-VALUE}).")
    int val;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--height", paramLabel = "ROWS", defaultValue = "64",
            description = "Rows (default: ${DEFAULT-VALUE}); MTAN needs a multiple of 2^levels.")
    int height;

    @Option(names = "--width", paramLabel = "COLUMNS", defaultValue = "80",
            description = "Columns (default: ${DEFAULT-VALUE}): 80 suits four SegNet levels (multiples of 16);"
                    + " five levels need multiples of 32, such as 96.")
    int width;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        for (Object[] check : new Object[][] {{"--train", train}, {"--val", val}, {"--height", height}, {"--width", width}}) {
            if ((int) check[1] < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), check[0] + " must be at least 1, got " + check[1]);
            }
        }
        PrintWriter o = spec.commandLine().getOut();
        RenderedScenes.write(out, train, val, seed, height, width);
        o.println("wrote " + train + " training and " + val + " validation scenes of " + height + "x" + width + " (seed "
                + seed + ") to " + out);
        o.println("train on them with: meta4j run --config sanity-scenes.conf dataset.root=" + out);
        o.flush();
        return 0;
    }
}
