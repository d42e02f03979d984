package dev.meta4j.runtime.toy;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import javax.imageio.ImageIO;

/**
 * The study's figure: one cell per method, each with two panels. Left, parameter space {@code
 * [-10, 10]^2} over the landscape of the mean loss {@code (l1 + l2) / 2} (banded colours with
 * contour lines), the Pareto set in grey and the five trajectories; right, loss space {@code (l1,
 * l2)} with the Pareto front in grey and the same trajectories, as the FAMO and Nash-MTL figures
 * draw them. Starting points are black dots; an end point is a filled circle when the run ends on
 * the Pareto front and a cross when it does not. Plain Java2D, headless.
 */
public final class ToyStudyPlot {

    private static final int PANEL = 250;
    private static final int GAP = 44;
    private static final int TITLE = 26;
    private static final int COLUMNS = 3;
    private static final int HEADER = 58;
    private static final double RANGE = 10.5;
    private static final double[] L1_RANGE = {-2.3, 1.0};
    private static final double[] L2_RANGE = {-21.5, 9.0};
    private static final Color[] START_COLORS = {
        new Color(0xE4, 0x1A, 0x1C), new Color(0xFF, 0x7F, 0x00), new Color(0xF7, 0x81, 0xBF),
        new Color(0xFF, 0xFF, 0xFF), new Color(0x00, 0xE5, 0xFF)
    };
    private static final Color FRONT = new Color(0x9A, 0x9A, 0xA2);
    private static final Color LOSS_BACKGROUND = new Color(0x2B, 0x2D, 0x42);
    private static final int BANDS = 16;

    private ToyStudyPlot() {}

    /**
     * Renders the figure and writes it as PNG (via a temporary file and a rename).
     *
     * @param result the study
     * @param png the output file
     * @throws IOException if writing fails
     */
    public static void write(ToyStudy.Result result, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = render(result);
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        if (!ImageIO.write(image, "png", tmp.toFile())) {
            throw new IOException("no PNG writer available");
        }
        Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Renders the figure.
     *
     * @param result the study
     * @return the image
     */
    public static BufferedImage render(ToyStudy.Result result) {
        List<ToyStudy.MethodResult> methods = result.methods();
        int cols = Math.max(1, Math.min(COLUMNS, methods.size()));
        int rows = Math.max(1, (methods.size() + cols - 1) / cols);
        int cellW = 2 * PANEL + 3 * GAP;
        int cellH = PANEL + TITLE + GAP;
        BufferedImage image = new BufferedImage(cols * cellW, HEADER + rows * cellH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            header(g, result);
            BufferedImage landscape = landscape();
            for (int i = 0; i < methods.size(); i++) {
                int x0 = (i % cols) * cellW + GAP;
                int y0 = HEADER + (i / cols) * cellH + TITLE;
                cell(g, methods.get(i), landscape, x0, y0);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static void header(Graphics2D g, ToyStudy.Result result) {
        ToyStudy.Settings s = result.settings();
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(String.format(Locale.ROOT,
                "Toy study: Adam lr %s, %d steps; left: x in parameter space over (l1 + l2) / 2, right: (l1, l2);"
                        + " grey: Pareto set / front", s.learningRate(), s.steps()), GAP, 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int x = GAP;
        g.drawString("starts:", x, 44);
        x += 52;
        for (int i = 0; i < ToyProblem.STARTS.size(); i++) {
            double[] st = ToyProblem.STARTS.get(i);
            g.setColor(START_COLORS[i]);
            g.fillRect(x, 34, 22, 12);
            g.setColor(Color.BLACK);
            g.drawRect(x, 34, 22, 12);
            String label = String.format(Locale.ROOT, "(%s, %s)", trim(st[0]), trim(st[1]));
            g.drawString(label, x + 28, 44);
            x += 40 + g.getFontMetrics().stringWidth(label);
        }
        g.drawString("end: ● on the Pareto front (distance <= " + ParetoSet.TOLERANCE + "), ✕ not", x + 10, 44);
    }

    private static void cell(Graphics2D g, ToyStudy.MethodResult m, BufferedImage landscape, int x0, int y0) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(String.format(Locale.ROOT, "%s: %d/5 on the Pareto front", m.method(), m.onFront()),
                x0, y0 - 8);
        // parameter space
        g.drawImage(landscape, x0, y0, null);
        DoubleUnaryOperator px = v -> x0 + (v + RANGE) / (2 * RANGE) * PANEL;
        DoubleUnaryOperator py = v -> y0 + (RANGE - v) / (2 * RANGE) * PANEL;
        Shape clip = g.getClip();
        g.setClip(new Rectangle2D.Double(x0, y0, PANEL, PANEL));
        double[][] set = ParetoSet.samples();
        g.setColor(FRONT);
        g.setStroke(new BasicStroke(5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(polyline(set[0], set[1], set[0].length, px, py));
        for (ToyStudy.Run r : m.runs()) {
            trajectory(g, r, px, py, false);
        }
        g.setClip(clip);
        frame(g, x0, y0, new double[] {-RANGE, RANGE}, new double[] {-RANGE, RANGE},
                new double[] {-10, -5, 0, 5, 10}, new double[] {-10, -5, 0, 5, 10}, "x1", "x2");
        // loss space
        int lx0 = x0 + PANEL + GAP;
        DoubleUnaryOperator lx = v -> lx0 + (v - L1_RANGE[0]) / (L1_RANGE[1] - L1_RANGE[0]) * PANEL;
        DoubleUnaryOperator ly = v -> y0 + (L2_RANGE[1] - v) / (L2_RANGE[1] - L2_RANGE[0]) * PANEL;
        g.setColor(LOSS_BACKGROUND);
        g.fillRect(lx0, y0, PANEL, PANEL);
        g.setClip(new Rectangle2D.Double(lx0, y0, PANEL, PANEL));
        double[] f1 = new double[set[0].length];
        double[] f2 = new double[set[0].length];
        for (int i = 0; i < f1.length; i++) {
            double[] l = ToyProblem.values(set[0][i], set[1][i]);
            f1[i] = l[0];
            f2[i] = l[1];
        }
        g.setColor(FRONT);
        g.setStroke(new BasicStroke(5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(polyline(f1, f2, f1.length, lx, ly));
        for (ToyStudy.Run r : m.runs()) {
            trajectory(g, r, lx, ly, true);
        }
        g.setClip(clip);
        frame(g, lx0, y0, L1_RANGE, L2_RANGE, new double[] {-2, -1, 0, 1}, new double[] {-20, -10, 0},
                "l1", "l2");
    }

    /** Draws one run: its path (at most about 2,500 vertices), its start and its end marker. */
    private static void trajectory(Graphics2D g, ToyStudy.Run r, DoubleUnaryOperator fx, DoubleUnaryOperator fy,
            boolean lossSpace) {
        int n = r.steps() + 1;
        int stride = Math.max(1, n / 2500);
        int count = (n - 1) / stride + 2;
        double[] a = new double[count];
        double[] b = new double[count];
        int used = 0;
        for (int i = 0; i < n; i += stride) {
            used = point(r, i, lossSpace, a, b, used);
        }
        used = point(r, n - 1, lossSpace, a, b, used);
        Color color = START_COLORS[r.start() % START_COLORS.length];
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.setColor(color);
        g.draw(polyline(a, b, used, fx, fy));
        if (used == 0) {
            return;
        }
        g.setColor(Color.BLACK);
        g.fill(disc(fx.applyAsDouble(a[0]), fy.applyAsDouble(b[0]), 4.5));
        g.setColor(Color.WHITE);
        g.setStroke(new BasicStroke(1f));
        g.draw(disc(fx.applyAsDouble(a[0]), fy.applyAsDouble(b[0]), 4.5));
        double ex = fx.applyAsDouble(a[used - 1]);
        double ey = fy.applyAsDouble(b[used - 1]);
        if (r.onFront()) {
            g.setColor(color);
            g.fill(disc(ex, ey, 5));
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1.2f));
            g.draw(disc(ex, ey, 5));
        } else {
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(4f));
            cross(g, ex, ey, 6);
            g.setColor(color);
            g.setStroke(new BasicStroke(2f));
            cross(g, ex, ey, 6);
        }
    }

    private static int point(ToyStudy.Run r, int i, boolean lossSpace, double[] a, double[] b, int used) {
        double p = r.x1()[i];
        double q = r.x2()[i];
        if (!Double.isFinite(p) || !Double.isFinite(q)) {
            return used;
        }
        if (lossSpace) {
            double[] l = ToyProblem.values(p, q);
            p = l[0];
            q = l[1];
        }
        a[used] = p;
        b[used] = q;
        return used + 1;
    }

    private static void cross(Graphics2D g, double x, double y, double r) {
        g.draw(new Line2D.Double(x - r, y - r, x + r, y + r));
        g.draw(new Line2D.Double(x - r, y + r, x + r, y - r));
    }

    private static Ellipse2D disc(double x, double y, double r) {
        return new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r);
    }

    private static Path2D polyline(double[] a, double[] b, int n, DoubleUnaryOperator fx, DoubleUnaryOperator fy) {
        Path2D.Double path = new Path2D.Double();
        for (int i = 0; i < n; i++) {
            double x = fx.applyAsDouble(a[i]);
            double y = fy.applyAsDouble(b[i]);
            if (i == 0) {
                path.moveTo(x, y);
            } else {
                path.lineTo(x, y);
            }
        }
        return path;
    }

    private static void frame(Graphics2D g, int x0, int y0, double[] xr, double[] yr, double[] xt, double[] yt,
            String xl, String yl) {
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x0, y0, PANEL, PANEL);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (double t : xt) {
            int x = (int) Math.round(x0 + (t - xr[0]) / (xr[1] - xr[0]) * PANEL);
            g.drawLine(x, y0 + PANEL, x, y0 + PANEL + 4);
            String s = trim(t);
            g.drawString(s, x - g.getFontMetrics().stringWidth(s) / 2, y0 + PANEL + 16);
        }
        for (double t : yt) {
            int y = (int) Math.round(y0 + (yr[1] - t) / (yr[1] - yr[0]) * PANEL);
            g.drawLine(x0 - 4, y, x0, y);
            String s = trim(t);
            g.drawString(s, x0 - 6 - g.getFontMetrics().stringWidth(s), y + 4);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.ITALIC, 12));
        g.drawString(xl, x0 + PANEL - 14, y0 + PANEL + 30);
        g.drawString(yl, x0 - 38, y0 + PANEL / 2 + 4);
    }

    /** The mean loss over parameter space: colour bands with darker lines where the band changes. */
    static BufferedImage landscape() {
        double[][] v = new double[PANEL][PANEL];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < PANEL; j++) {
            double x2 = RANGE - (j + 0.5) / PANEL * 2 * RANGE;
            for (int i = 0; i < PANEL; i++) {
                double x1 = -RANGE + (i + 0.5) / PANEL * 2 * RANGE;
                double[] l = ToyProblem.values(x1, x2);
                v[j][i] = 0.5 * (l[0] + l[1]);
                min = Math.min(min, v[j][i]);
                max = Math.max(max, v[j][i]);
            }
        }
        int[][] band = new int[PANEL][PANEL];
        for (int j = 0; j < PANEL; j++) {
            for (int i = 0; i < PANEL; i++) {
                band[j][i] = Math.min(BANDS - 1, (int) ((v[j][i] - min) / (max - min) * BANDS));
            }
        }
        BufferedImage img = new BufferedImage(PANEL, PANEL, BufferedImage.TYPE_INT_RGB);
        for (int j = 0; j < PANEL; j++) {
            for (int i = 0; i < PANEL; i++) {
                Color c = viridis((band[j][i] + 0.5) / BANDS);
                boolean edge = (i + 1 < PANEL && band[j][i + 1] != band[j][i])
                        || (j + 1 < PANEL && band[j + 1][i] != band[j][i]);
                if (edge) {
                    c = c.darker();
                }
                img.setRGB(i, j, c.getRGB());
            }
        }
        return img;
    }

    /** An approximation of matplotlib's viridis colour map, {@code t} in [0, 1]. */
    static Color viridis(double t) {
        double[][] stops = {
            {0.267, 0.005, 0.329}, {0.283, 0.141, 0.458}, {0.254, 0.265, 0.530}, {0.207, 0.372, 0.553},
            {0.164, 0.471, 0.558}, {0.128, 0.567, 0.551}, {0.135, 0.659, 0.518}, {0.267, 0.749, 0.441},
            {0.478, 0.821, 0.318}, {0.741, 0.873, 0.150}, {0.993, 0.906, 0.144}
        };
        double s = Math.max(0, Math.min(1, t)) * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) s);
        double f = s - i;
        float[] rgb = new float[3];
        for (int c = 0; c < 3; c++) {
            rgb[c] = (float) (stops[i][c] + f * (stops[i + 1][c] - stops[i][c]));
        }
        return new Color(rgb[0], rgb[1], rgb[2]);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
