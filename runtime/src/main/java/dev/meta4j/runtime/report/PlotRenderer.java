package dev.meta4j.runtime.report;

import dev.meta4j.api.algorithm.Figure;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Renders {@link Figure}s to PNG with XChart, headless. */
public final class PlotRenderer {

    private PlotRenderer() {}

    /**
     * Renders a figure, one chart per panel in a grid.
     *
     * @param figure the figure
     * @param png the output file (written via a temporary file and a rename)
     * @throws IOException if writing fails
     */
    public static void render(Figure figure, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<XYChart> charts = new ArrayList<>();
        for (Figure.Panel panel : figure.panels()) {
            charts.add(chart(panel));
        }
        if (charts.isEmpty()) {
            return;
        }
        int cols = Math.min(figure.columns(), charts.size());
        int rows = (charts.size() + cols - 1) / cols;
        String base = png.toString().replaceAll("\\.png$", "");
        Path tmp = Path.of(base + ".tmp.png");
        BitmapEncoder.saveBitmap(charts, rows, cols, base + ".tmp", BitmapEncoder.BitmapFormat.PNG);
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static XYChart chart(Figure.Panel panel) {
        XYChart c = new XYChartBuilder().width(520).height(380).title(panel.title())
                .xAxisTitle(panel.xLabel()).yAxisTitle(panel.yLabel()).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS); // never over the data
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotGridLinesVisible(true);
        c.getStyler().setMarkerSize(4);
        for (Figure.Series s : panel.series()) {
            if (s.x().length == 0) {
                continue;
            }
            XYSeries xy = c.addSeries(uniqueName(c, s.label()), s.x(), s.y());
            if (s.markersOnly()) {
                xy.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                xy.setMarker(SeriesMarkers.CIRCLE);
            } else {
                xy.setMarker(SeriesMarkers.NONE);
                xy.setLineStyle(new BasicStroke(1.6f));
            }
        }
        return c;
    }

    private static String uniqueName(XYChart c, String label) {
        String name = label;
        for (int i = 2; c.getSeriesMap().containsKey(name); i++) {
            name = label + " (" + i + ")";
        }
        return name;
    }
}
