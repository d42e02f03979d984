package dev.meta4j.runtime.suite;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** Bar charts of a suite: each task's metric per method, and Δm% per method, with ±1 std. */
final class SuitePlot {

    private SuitePlot() {}

    static void write(SuiteTable table, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<CategoryChart> charts = new ArrayList<>();
        List<String> labels = table.rows().stream().map(SuiteTable.Row::label).toList();
        for (int c = 0; c < table.columns().size(); c++) {
            SuiteTable.Column col = table.columns().get(c);
            CategoryChart chart = chart("test " + col.title(), col.metric());
            List<Double> mean = new ArrayList<>();
            List<Double> err = new ArrayList<>();
            for (SuiteTable.Row r : table.rows()) {
                mean.add(finite(r.mean()[c]));
                err.add(finite(r.std()[c]));
            }
            chart.addSeries(col.title(), labels, mean, err);
            chart.getStyler().setYAxisMin(0.0); // a bar's length is its value; a cut axis exaggerates gaps
            charts.add(chart);
        }
        CategoryChart delta = chart("Δm% vs single-task (lower is better)", "Δm%");
        List<String> methods = new ArrayList<>();
        List<Double> mean = new ArrayList<>();
        List<Double> err = new ArrayList<>();
        for (SuiteTable.Row r : table.rows()) {
            if (!r.baseline()) {
                methods.add(r.label());
                mean.add(finite(r.deltaMean()));
                err.add(finite(r.deltaStd()));
            }
        }
        if (!methods.isEmpty()) {
            delta.addSeries("Δm%", methods, mean, err);
            delta.getStyler().setYAxisMin(Math.min(0.0, mean.stream().mapToDouble(Double::doubleValue).min().orElse(0)));
            charts.add(delta);
        }
        if (charts.isEmpty()) {
            return;
        }
        // Written beside the target and renamed over it, like the tables: a reader never sees half a plot.
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        String base = tmp.toString();
        BitmapEncoder.saveBitmap(charts, charts.size(), 1, base, BitmapEncoder.BitmapFormat.PNG);
        java.nio.file.Files.move(Path.of(base + ".png"), png, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static CategoryChart chart(String title, String y) {
        CategoryChart c = new CategoryChartBuilder().width(1100).height(380).title(title).xAxisTitle("method")
                .yAxisTitle(y).build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setXAxisLabelRotation(30);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        return c;
    }

    private static double finite(double v) {
        return Double.isFinite(v) ? v : 0;
    }
}
