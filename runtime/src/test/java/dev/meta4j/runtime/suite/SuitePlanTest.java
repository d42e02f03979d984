package dev.meta4j.runtime.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.meta4j.runtime.config.ConfigError;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A suite's grid: each method and seed once, types checked, every problem reported. */
class SuitePlanTest {

    private static String error(String suite) {
        return assertThrows(ConfigError.class, () -> SuitePlan.of(ConfigFactory.parseString("suite { " + suite + " }")))
                .getMessage();
    }

    @Test
    void theGridHasOneRunPerMethodSeedAndBaseline() {
        SuitePlan p = SuitePlan.of(ConfigFactory.parseString(
                "suite { name = s, seeds = [0, 1], methods = [ls, famo], single-task = [left] }"));
        assertEquals(6, p.runs().size());
        assertEquals(6, p.runs().stream().map(SuitePlan.Run::folder).distinct().count());
    }

    @Test
    void duplicatesAndWrongTypesAreErrors() {
        assertTrue(error("methods = [ls, famo, ls]").contains("suite.methods: 'ls' is listed twice"));
        assertTrue(error("methods = [ls], seeds = [0, 0]").contains("seed 0 is listed twice"));
        assertTrue(error("methods = [ls], seeds = \"abc\"").contains("suite.seeds: expected a list of whole numbers"));
        assertTrue(error("methods = [ls], seeds = [0, 1.5]").contains("suite.seeds"));
        assertTrue(error("methods = ls").contains("suite.methods: expected a list of names"));
        assertTrue(error("seeds = [0]").contains("suite.methods: missing"));
        String two = error("methods = [ls, ls], seeds = [x]");
        assertTrue(two.contains("2 configuration errors"), two);
    }

    @Test
    void everyLabelIsAFolderOfItsOwn() {
        assertTrue(error("methods = [\"a/b\"]").contains("'a/b' cannot be a folder name"));
        assertTrue(error("methods = [\"..\"]").contains("cannot be a folder name"));
        assertTrue(error("methods = [cells]").contains("a folder the suite keeps for itself"));
        assertTrue(error("methods = [stl-left], single-task = [left]").contains("the baseline 'stl-left' has the name of a method"));
        assertTrue(error("name = \"a b\", methods = [ls]").contains("suite.name"));
        assertTrue(error("methods = [ls, LS]").contains("'LS' differs from another label only in case"));
    }

    @Test
    void executorKeysAreTheExecutorsToCheck() {
        SuitePlan p = SuitePlan.of(ConfigFactory.parseString(
                "suite { methods = [ls], executor = local, local { workers = 3 }, slurm { partition = x } }"));
        assertEquals(1, p.runs().size());
        assertTrue(error("methods = [ls], executr = local").contains("did you mean 'executor'?"));
    }

    @Test
    void aSuiteOfMetaLearnersVariesTheAlgorithmAndAMethodsOverridesWin() {
        SuitePlan p = SuitePlan.of(ConfigFactory.parseString("suite { seeds = [0], methods = [maml, protonet, maml-5s],"
                + " method-key = algorithm.type, method-overrides { maml-5s { algorithm.type = maml, dataset.shots = 5 } } }"));
        assertEquals(List.of("maml", "protonet", "maml"),
                p.runs().stream().map(r -> r.overrides().getString("algorithm.type")).toList());
        assertEquals(5, p.runs().get(2).overrides().getInt("dataset.shots"));
        assertTrue(p.runs().stream().noneMatch(r -> r.overrides().hasPath("weighting")), "no weighting section is set");
        assertEquals("ls", SuitePlan.of(ConfigFactory.parseString("suite { methods = [ls] }")).runs().get(0)
                .overrides().getString("weighting.type"), "the default key");
        assertTrue(error("methods = [maml], method-key = \"algorithm type\"").contains("suite.method-key: expected the config key"));
        assertTrue(error("methods = [maml], method-ky = algorithm.type").contains("did you mean 'method-key'?"));
    }
}
