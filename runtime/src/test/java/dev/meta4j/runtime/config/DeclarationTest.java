package dev.meta4j.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A key's type comes from its declaration: the default's kind, {@code @int}, and its constraint. */
class DeclarationTest {

    private static final Config DEFAULTS = ConfigFactory.parseString("""
            # @range [0, 1)
            momentum = 0.0
            # @int
            # @range [1, inf)
            steps = 10
            # @int
            seed = 0
            # @int
            # @range [1, inf)
            hidden = [40, 40]
            # @int
            # @range [1, inf)
            epochs = null
            free = null
            flag = false
            """);

    private static Optional<String> check(String key, String value) {
        Config v = ConfigFactory.parseString(key + " = " + value);
        return Declaration.of(DEFAULTS.root().get(key)).problem(v.root().get(key));
    }

    @Test
    void aDefaultWrittenWholeStillTakesFractions() {
        // HOCON reads 0.0 as the integer 0: only the declaration may decide.
        assertEquals(Integer.class, DEFAULTS.getValue("momentum").unwrapped().getClass());
        assertEquals(Optional.empty(), check("momentum", "0.9"));
        assertEquals(Optional.empty(), check("momentum", "\"0.5\""));
        assertEquals(Optional.of("1.5 is out of range [0, 1)"), check("momentum", "1.5"));
    }

    @Test
    void wholeKeysRefuseFractionsAndNumbersBeyondALong() {
        assertEquals(Optional.of("expected a whole number, got 2.5"), check("steps", "2.5"));
        assertEquals(Optional.empty(), check("steps", "2.0"));
        assertEquals(Optional.empty(), check("seed", "-9223372036854775808"));
        assertTrue(check("seed", "9223372036854775808").orElseThrow().contains("too large"));
        assertTrue(check("steps", "99999999999999999999").orElseThrow().contains("too large"));
        assertEquals(Optional.of("expected a number, got 'many'"), check("steps", "many"));
    }

    @Test
    void listsAreCheckedElementByElement() {
        assertEquals(Optional.empty(), check("hidden", "[8, 16, 32]"));
        assertEquals(Optional.empty(), check("hidden", "[]"));
        assertEquals(Optional.of("element 2 of [40,40.5]: expected a whole number, got 40.5"), check("hidden", "[40, 40.5]"));
        assertEquals(Optional.of("element 2 of [40,-3]: -3 is out of range [1, inf)"), check("hidden", "[40, -3]"));
        assertEquals(Optional.of("expected a list [ ... ], got 40"), check("hidden", "40"));
    }

    @Test
    void nullDefaultsAreNumbersWhenDeclaredSo() {
        assertEquals(Optional.empty(), check("epochs", "null"));
        assertEquals(Optional.of("expected a whole number, got 1.5"), check("epochs", "1.5"));
        assertEquals(Optional.of("0 is out of range [1, inf)"), check("epochs", "0"));
        assertEquals(Optional.empty(), check("free", "[1, x]"));
        assertEquals(Optional.of("must not be null; the default is 10"), check("steps", "null"));
        assertEquals(Optional.of("expected true or false, got 3"), check("flag", "3"));
    }
}
