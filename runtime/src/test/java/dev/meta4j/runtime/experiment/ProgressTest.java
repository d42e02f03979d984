package dev.meta4j.runtime.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void durationsRoundToSecondsAndGainHoursPastOne() {
        assertEquals("0:00", Progress.duration(0.4));
        assertEquals("1:00", Progress.duration(59.6));
        assertEquals("59:59", Progress.duration(3599));
        assertEquals("1:02:05", Progress.duration(3725));
    }

    @Test
    void aNoteClearsTheBarsLineSoTheNextDrawStartsBelowIt() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Progress.Bar bar = new Progress.Bar(10, 0, out);
        bar.update(10, "loss 1");
        bar.note("evaluating test at step 10 ...");
        String shown = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(shown.startsWith("\r["), shown);
        assertTrue(shown.endsWith("\r\033[K"), "the bar's line is cleared before the note: " + shown);
    }
}
