package dev.meta4j.datasets;

import dev.meta4j.api.Rng;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.font.FontRenderContext;
import java.awt.font.GlyphVector;
import java.awt.geom.AffineTransform;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

/**
 * Writes an Omniglot-layout folder whose characters are real glyphs: {@code
 * images_background/<Alphabet>/characterNN/<id>_<NN>.png} and {@code images_evaluation/...}, each
 * drawing a 105×105 1-bit PNG (black strokes on white) of one glyph rendered by Java2D, so that
 * few-shot learners have something learnable that is not noise, and held-out characters are new
 * shapes.
 *
 * <p>An alphabet is a Unicode script (Latin, Greek, Cyrillic, Hebrew, Armenian, Arabic, Georgian,
 * Cherokee, arrows, mathematical operators, geometric shapes, ...); its characters are the first
 * glyphs of that block that an installed font can draw with enough ink and that do not look like a
 * glyph taken before (no Greek Alpha after Latin A). Which glyphs these are depends on the
 * installed fonts (DejaVu here); a machine without enough of them gets an error naming the count. A "drawer" (1 to {@code
 * drawers}) renders every character with a font of its own (drawer d takes the (d mod n)-th of the n
 * installed faces, plain and bold, that can draw the character) and a random affine jitter of its own per character (rotation within ±15°,
 * scale 0.8 to 1.1, shear within ±0.2, translation within ±10 px), drawn from a generator seeded by
 * {@code seed}, the character and the drawer; so the same arguments give the same files on a
 * machine with the same fonts. The first half of the alphabets (rounded up) go to {@code
 * images_background}, the rest to {@code images_evaluation}.
 *
 * <p>Reusable from other modules' tests through this module's test-jar ({@code
 * meta4j-plugins-datasets}, {@code <type>test-jar</type>}, scope test): {@code
 * OmniglotFixtures.write(dir, 12, 10, 20, 7)} and then an {@code omniglot} dataset with {@code root
 * = dir}, {@code split = maml}, {@code train-characters}/{@code validation-characters} set to fit
 * the {@code 12 · 10} characters.
 */
public final class OmniglotFixtures {

    /** Unicode blocks used as alphabets, in this order: name, first and last code point. */
    private static final Object[][] SCRIPTS = {
        {"Latin", 0x41, 0x5A}, {"Greek", 0x391, 0x3A9}, {"Cyrillic", 0x410, 0x42F}, {"Hebrew", 0x5D0, 0x5EA},
        {"Armenian", 0x531, 0x556}, {"Arabic", 0x627, 0x64A}, {"Georgian", 0x10D0, 0x10F0},
        {"Cherokee", 0x13A0, 0x13F4}, {"Arrows", 0x2190, 0x21FF}, {"Mathematical_Operators", 0x2200, 0x22FF},
        {"Geometric_Shapes", 0x25A0, 0x25FF}, {"Latin_small", 0x61, 0x7A}, {"Greek_small", 0x3B1, 0x3C9},
        {"Cyrillic_small", 0x430, 0x44F}, {"Armenian_small", 0x561, 0x586}, {"Runic", 0x16A0, 0x16F0},
        {"Miscellaneous_Symbols", 0x2600, 0x26FF}, {"Dingbats", 0x2700, 0x27BF}, {"Letterlike", 0x2100, 0x214F},
        {"Box_Drawing", 0x2500, 0x257F}, {"Latin_Extended", 0x100, 0x17F}, {"IPA", 0x250, 0x2AF},
    };

    private OmniglotFixtures() {}

    /**
     * Writes the folder layout.
     *
     * @param root the folder to fill (created)
     * @param alphabets how many alphabets (at most the scripts the fonts cover)
     * @param characters characters per alphabet
     * @param drawers drawings per character (Omniglot: 20)
     * @param seed the jitter's seed
     * @return the character names, {@code Alphabet/characterNN}, sorted
     */
    public static List<String> write(Path root, int alphabets, int characters, int drawers, long seed) {
        return write(root, alphabets, characters, drawers, seed, 1.0);
    }

    /**
     * Writes the folder layout with a given strength of the per-drawer jitter.
     *
     * @param root the folder to fill (created)
     * @param alphabets how many alphabets
     * @param characters characters per alphabet
     * @param drawers drawings per character
     * @param seed the jitter's seed
     * @param jitter 1 for the documented ranges, 0 for none (fonts still change per drawer), in between
     *     to scale every range
     * @return the character names, sorted
     */
    public static List<String> write(Path root, int alphabets, int characters, int drawers, long seed, double jitter) {
        List<String> names = new ArrayList<>();
        forEach(alphabets, characters, drawers, seed, jitter, (set, path, png) -> {
            Path file = root.resolve(set).resolve(path);
            try {
                Files.createDirectories(file.getParent());
                Files.write(file, png);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, names);
        return names.stream().sorted().toList();
    }

    /**
     * Writes the zips {@code images_background.zip} and {@code images_evaluation.zip} instead, with
     * the same drawings as {@link #write}.
     *
     * @param root the folder to write them in (created)
     * @param alphabets how many alphabets
     * @param characters characters per alphabet
     * @param drawers drawings per character
     * @param seed the jitter's seed
     * @return the character names, sorted
     */
    public static List<String> writeZips(Path root, int alphabets, int characters, int drawers, long seed) {
        List<String> names = new ArrayList<>();
        try {
            Files.createDirectories(root);
            try (OutputStream b = Files.newOutputStream(root.resolve("images_background.zip"));
                    ZipOutputStream zb = new ZipOutputStream(b);
                    OutputStream e = Files.newOutputStream(root.resolve("images_evaluation.zip"));
                    ZipOutputStream ze = new ZipOutputStream(e)) {
                forEach(alphabets, characters, drawers, seed, 1.0, (set, path, png) -> {
                    ZipOutputStream z = set.equals("images_background") ? zb : ze;
                    try {
                        z.putNextEntry(new ZipEntry(set + "/" + path.replace('\\', '/')));
                        z.write(png);
                        z.closeEntry();
                    } catch (IOException x) {
                        throw new UncheckedIOException(x);
                    }
                }, names);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names.stream().sorted().toList();
    }

    private interface Sink {
        void put(String set, String path, byte[] png);
    }

    private static void forEach(int alphabets, int characters, int drawers, long seed, double jitter, Sink sink,
            List<String> names) {
        List<Font> fonts = fonts();
        int written = 0;
        int id = 1;
        List<boolean[]> chosen = new ArrayList<>();
        for (Object[] script : SCRIPTS) {
            if (written == alphabets) {
                break;
            }
            List<Integer> glyphs = glyphs(fonts, (Integer) script[1], (Integer) script[2], characters, chosen);
            if (glyphs.size() < characters) {
                continue;
            }
            String set = written < (alphabets + 1) / 2 ? "images_background" : "images_evaluation";
            String alphabet = (String) script[0];
            for (int k = 0; k < characters; k++) {
                String character = String.format("character%02d", k + 1);
                names.add(alphabet + "/" + character);
                for (int d = 0; d < drawers; d++) {
                    Rng rng = new Rng(seed).split(alphabet + "/" + character + "/" + d);
                    List<Font> able = drawing(fonts, glyphs.get(k));
                    byte[] png = png(draw(glyphs.get(k), able.get(d % able.size()), rng, jitter));
                    sink.put(set, alphabet + "/" + character + "/" + String.format("%04d_%02d.png", id, d + 1), png);
                }
                id++;
            }
            written++;
        }
        if (written < alphabets) {
            throw new IllegalStateException("the installed fonts draw only " + written + " alphabets of " + characters
                    + " characters; asked for " + alphabets);
        }
    }

    /** The installed font families' plain and bold faces, sorted by name (logical fonts last). */
    private static List<Font> fonts() {
        List<Font> out = new ArrayList<>();
        String[] families = java.awt.GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames();
        java.util.Arrays.sort(families);
        for (int style : new int[] {Font.PLAIN, Font.BOLD}) {
            for (String f : families) {
                if (!List.of("Dialog", "DialogInput", "Monospaced", "SansSerif", "Serif").contains(f)) {
                    out.add(new Font(f, style, 64));
                }
            }
        }
        if (out.isEmpty()) {
            out.add(new Font(Font.SANS_SERIF, Font.PLAIN, 64));
            out.add(new Font(Font.SERIF, Font.BOLD, 64));
        }
        return out;
    }

    /**
     * Code points some font draws with enough ink, and that look like no glyph chosen before (Latin
     * A, Greek Alpha and Cyrillic A would be three classes of one shape): a glyph is skipped when
     * its 32×32 silhouette differs from an earlier one's in fewer than 8 % of the pixels. The
     * silhouettes of the glyphs taken are added to {@code chosen}.
     */
    private static List<Integer> glyphs(List<Font> fonts, int from, int to, int needed, List<boolean[]> chosen) {
        List<Integer> out = new ArrayList<>();
        List<boolean[]> mine = new ArrayList<>();
        for (int cp = from; cp <= to && out.size() < needed; cp++) {
            if (!Character.isDefined(cp) || Character.isWhitespace(cp)) {
                continue;
            }
            List<Font> able = drawing(fonts, cp);
            if (able.isEmpty()) {
                continue;
            }
            boolean[] sil = silhouette(cp, able.get(0));
            boolean twin = false;
            for (List<boolean[]> list : List.of(chosen, mine)) {
                for (boolean[] other : list) {
                    int diff = 0;
                    for (int p = 0; p < sil.length; p++) {
                        diff += sil[p] != other[p] ? 1 : 0;
                    }
                    twin |= diff < sil.length * 8 / 100;
                }
            }
            if (!twin) {
                out.add(cp);
                mine.add(sil);
            }
        }
        if (out.size() >= needed) {
            chosen.addAll(mine);
        }
        return out;
    }

    private static boolean[] silhouette(int cp, Font font) {
        BufferedImage im = draw(cp, font, null, 0);
        boolean[] out = new boolean[32 * 32];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int ink = 0;
                for (int dy = 0; dy < 3; dy++) {
                    for (int dx = 0; dx < 3; dx++) {
                        int sx = Math.min(104, x * 105 / 32 + dx);
                        int sy = Math.min(104, y * 105 / 32 + dy);
                        ink += (im.getRGB(sx, sy) & 0xff) == 0 ? 1 : 0;
                    }
                }
                out[y * 32 + x] = ink >= 5;
            }
        }
        return out;
    }

    /** The fonts that draw a code point with enough ink (at least 12 px each way at size 64). */
    private static List<Font> drawing(List<Font> fonts, int cp) {
        FontRenderContext frc = new FontRenderContext(null, false, false);
        List<Font> out = new ArrayList<>();
        for (Font f : fonts) {
            if (f.canDisplay(cp)) {
                Rectangle2D b = f.createGlyphVector(frc, Character.toChars(cp)).getVisualBounds();
                if (b.getWidth() >= 12 && b.getHeight() >= 12) {
                    out.add(f);
                }
            }
        }
        return out;
    }

    private static BufferedImage draw(int codePoint, Font font, Rng rng, double jitter) {
        BufferedImage im = new BufferedImage(105, 105, BufferedImage.TYPE_BYTE_BINARY);
        Graphics2D g = im.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_OFF);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, 105, 105);
            g.setColor(Color.BLACK);
            GlyphVector gv = font.createGlyphVector(g.getFontRenderContext(), Character.toChars(codePoint));
            Rectangle2D b = gv.getVisualBounds();
            double fit = 70.0 / Math.max(b.getWidth(), b.getHeight());
            // rng == null: the undistorted glyph (for the look-alike check); the draws happen whatever the jitter
            double j = rng == null ? 0 : jitter;
            double scale = fit * (1 + j * (rng == null ? 0 : rng.uniform(-0.2, 0.1)));
            AffineTransform t = new AffineTransform();
            t.translate(52.5 + j * (rng == null ? 0 : rng.uniform(-10, 10)), 52.5 + j * (rng == null ? 0 : rng.uniform(-10, 10)));
            t.rotate(Math.toRadians(j * (rng == null ? 0 : rng.uniform(-15, 15))));
            t.shear(j * (rng == null ? 0 : rng.uniform(-0.2, 0.2)), 0);
            t.scale(scale, scale);
            t.translate(-b.getCenterX(), -b.getCenterY());
            g.fill(t.createTransformedShape(gv.getOutline()));
        } finally {
            g.dispose();
        }
        return im;
    }

    private static byte[] png(BufferedImage im) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(im, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
