package dev.meta4j.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meta4j.api.algorithm.AlgorithmFactory;
import dev.meta4j.api.weighting.WeightingFactory;
import org.junit.jupiter.api.Test;

/** The discovery check passes a well-made plugin and names each problem of a badly documented one. */
class PluginChecksTest {

    @Test
    void aRegisteredDocumentedPluginPassesAndItsDescriptionIsReturned() {
        String describe = PluginChecks.assertDiscoverable(WeightingFactory.class, "kit-probe");
        assertTrue(describe.contains("weighting 'kit-probe': the test kit's probe"), describe);
        assertTrue(describe.contains("Factor of the summed losses") && describe.contains("@oneof sum, mean"), describe);
    }

    @Test
    void undocumentedKeysAndDefaultsOutsideTheirRangeAreEachNamed() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> PluginChecks.assertDiscoverable(WeightingFactory.class, "kit-undocumented"));
        String m = e.getMessage();
        assertTrue(m.contains("2 problem(s)"), m);
        assertTrue(m.contains("weighting.kit-undocumented.scale") && m.contains("no comment above it documents it"), m);
        assertTrue(m.contains("weighting.kit-undocumented.limit: the default"), m);
    }

    @Test
    void aPluginOfAnotherKindOrNameIsNotFound() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> PluginChecks.assertDiscoverable(AlgorithmFactory.class, "kit-probe"));
        assertTrue(e.getMessage().contains("no algorithm plugin named 'kit-probe'"), e.getMessage());
    }
}
