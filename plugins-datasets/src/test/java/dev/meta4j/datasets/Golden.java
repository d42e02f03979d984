package dev.meta4j.datasets;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The golden values {@code scripts/reference/fewshot_golden.py} wrote with Pillow and numpy. */
final class Golden {

    private Golden() {}

    static byte[] bytes(String key) {
        try (InputStream in = Golden.class.getResourceAsStream("fewshot-golden.json")) {
            JsonObject o = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
            JsonArray a = o.getAsJsonArray(key);
            byte[] out = new byte[a.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (byte) a.get(i).getAsInt();
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The script's 105×105 glyph: black strokes on white. */
    static byte[] glyph() {
        byte[] a = new byte[105 * 105];
        for (int y = 0; y < 105; y++) {
            for (int x = 0; x < 105; x++) {
                int r2 = (x - 52) * (x - 52) + (y - 40) * (y - 40);
                boolean ink = r2 >= 22 * 22 && r2 < 30 * 30 || Math.abs(x - y) < 3 || y > 80 && y < 86 && x > 10 && x < 95;
                a[y * 105 + x] = (byte) (ink ? 0 : 255);
            }
        }
        return a;
    }

    /** The script's colour pattern, [h, w, 3]. */
    static byte[] colour(int w, int h) {
        byte[] a = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    a[(y * w + x) * 3 + c] = (byte) ((x * 37 + y * 11 + c * 71 + x * y) % 256);
                }
            }
        }
        return a;
    }
}
