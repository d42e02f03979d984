package dev.meta4j.api.algorithm;

import java.util.List;

/**
 * A plot that a plugin asks the runtime to render (as PNG) into the run folder.
 *
 * @param name the file's base name, such as {@code adapted-fits}
 * @param panels the panels, laid out row by row
 * @param columns panels per row
 */
public record Figure(String name, List<Panel> panels, int columns) {
    /** Copies the list. */
    public Figure {
        panels = List.copyOf(panels);
        if (columns < 1) {
            throw new IllegalArgumentException("columns must be positive");
        }
    }

    /**
     * One set of axes.
     *
     * @param title the title
     * @param xLabel the x axis label
     * @param yLabel the y axis label
     * @param series the data
     */
    public record Panel(String title, String xLabel, String yLabel, List<Series> series) {
        /** Copies the list. */
        public Panel {
            series = List.copyOf(series);
        }
    }

    /**
     * A data series.
     *
     * @param label the legend entry
     * @param x the x values
     * @param y the y values, same length
     * @param markersOnly draw points instead of a line
     */
    public record Series(String label, double[] x, double[] y, boolean markersOnly) {
        /** Checks the lengths. */
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException(
                        "series '" + label + "': " + x.length + " x values but " + y.length + " y values");
            }
        }
    }
}
