package dev.meta4j.runtime.config;

import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Rewords Typesafe Config's syntax errors where they mislead. At the end of a file with an
 * unclosed section it reports "expecting a close parentheses ')'", whatever bracket is open; we
 * name the bracket that is open and the line that opened it.
 */
final class SyntaxMessages {

    private SyntaxMessages() {}

    /**
     * A message for a parse error.
     *
     * @param e the error
     * @param message its message without the origin prefix
     * @return the message to show
     */
    static String explain(ConfigException e, String message) {
        if (!message.contains("end of file") || e.origin() == null || e.origin().filename() == null) {
            return message;
        }
        String text;
        try {
            text = Files.readString(Path.of(e.origin().filename()), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException io) {
            return message;
        }
        int[] open = lastUnclosed(text);
        if (open == null) {
            return message;
        }
        char close = open[0] == '{' ? '}' : ']';
        return "the file ends inside the '" + (char) open[0] + "' opened at line " + open[1] + ": a closing '" + close
                + "' is missing";
    }

    /** The innermost bracket left open at the end of the text, as {bracket, line}, or null. */
    static int[] lastUnclosed(String text) {
        Deque<int[]> stack = new ArrayDeque<>();
        int line = 1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
            } else if (c == '#' || (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '/')) {
                while (i + 1 < text.length() && text.charAt(i + 1) != '\n') {
                    i++;
                }
            } else if (c == '"') {
                i++;
                while (i < text.length() && text.charAt(i) != '"' && text.charAt(i) != '\n') {
                    i += text.charAt(i) == '\\' ? 2 : 1;
                }
            } else if (c == '{' || c == '[') {
                stack.push(new int[] {c, line});
            } else if ((c == '}' || c == ']') && !stack.isEmpty()) {
                stack.pop();
            }
        }
        return stack.peek();
    }
}
