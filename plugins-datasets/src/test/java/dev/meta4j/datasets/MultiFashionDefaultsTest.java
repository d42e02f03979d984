package dev.meta4j.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import dev.meta4j.runtime.config.Constraint;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The defaults in reference.conf: every key documented, constraints readable and met. */
class MultiFashionDefaultsTest {

    @Test
    void everyKeyIsCommentedAndItsDefaultMeetsItsConstraint() {
        ConfigObject section = ConfigFactory.defaultReference().getObject("meta4j.dataset.multi-fashion");
        assertEquals(Set.of("root", "pair-seed", "validation-size", "train-size", "test-size", "normalization"),
                section.keySet());
        for (Map.Entry<String, ConfigValue> e : section.entrySet()) {
            assertFalse(e.getValue().origin().comments().isEmpty(), e.getKey() + " has no comment");
            Constraint.of(e.getValue()).ifPresent(c -> assertTrue(c.violation(e.getValue()).isEmpty(), e.getKey()));
        }
        for (String key : new String[] {"validation-size", "train-size", "test-size", "normalization"}) {
            assertTrue(Constraint.of(section.get(key)).isPresent(), key + " declares a constraint");
        }
        assertTrue(Constraint.of(section.get("validation-size")).orElseThrow()
                .violation(ConfigFactory.parseString("v = -1").getValue("v")).isPresent());
        assertTrue(Constraint.of(section.get("normalization")).orElseThrow()
                .violation(ConfigFactory.parseString("v = zscore").getValue("v")).isPresent());
    }
}
