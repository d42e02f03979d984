package dev.meta4j.runtime.suite;

import dev.meta4j.runtime.experiment.RunFolder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a suite's results: {@code results.md}, {@code results.csv}, {@code runs.csv}, {@code results.png},
 * and what the runs cost, {@code cost.md} and {@code cost.csv} ({@link SuiteCost}).
 */
public final class SuiteReport {

    private SuiteReport() {}

    /**
     * Aggregates and writes the results.
     *
     * @param dir the suite's folder
     * @param plan the plan
     * @param outcomes the outcomes, in plan order
     * @return the Markdown table
     * @throws IOException if writing fails
     */
    public static String write(Path dir, SuitePlan plan, List<RunOutcome> outcomes) throws IOException {
        SuiteTable table = SuiteTable.of(plan, outcomes);
        String md = "# Suite " + plan.name() + "\n\nTest metrics of each run's best validation checkpoint, or of its"
                + " last parameters where the run selects the last (experiment.select-checkpoint = last), mean ± std over seeds.\n\n"
                + table.markdown();
        RunFolder.writeAtomically(dir.resolve("results.md"), md);
        RunFolder.writeAtomically(dir.resolve("results.csv"), table.csv());
        RunFolder.writeAtomically(dir.resolve("runs.csv"), table.runsCsv());
        SuitePlot.write(table, dir.resolve("results.png"));
        SuiteCost cost = SuiteCost.of(outcomes);
        RunFolder.writeAtomically(dir.resolve("cost.md"), "# Suite " + plan.name() + ": cost\n\nMean over each method's"
                + " finished runs (peak RSS: the highest), on the machine and executor that ran them; the results"
                + " table does not depend on either.\n\n" + cost.markdown());
        RunFolder.writeAtomically(dir.resolve("cost.csv"), cost.csv());
        return table.markdown();
    }
}
