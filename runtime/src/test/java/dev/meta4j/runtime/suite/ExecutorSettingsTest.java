package dev.meta4j.runtime.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import dev.meta4j.runtime.config.ConfigError;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A suite's executor settings are checked like a plugin's: key, file and line, and the closest valid key. */
class ExecutorSettingsTest {

    private static final Config REFERENCE = ConfigFactory.defaultReference();

    private static Config suite(String text) {
        return ConfigFactory.parseString("suite {\n" + text + "\n}", ConfigParseOptions.defaults().setOriginDescription("s.conf"))
                .getConfig("suite");
    }

    private static String error(String text, String executor) {
        return assertThrows(ConfigError.class, () -> ExecutorSettings.of(suite(text), REFERENCE, executor)).getMessage();
    }

    @Test
    void defaultsAreInlineAndTheDocumentedValues() {
        ExecutorSettings s = ExecutorSettings.of(suite("name = x"), REFERENCE, null);
        assertEquals("inline", s.executor());
        assertEquals(new ExecutorSettings.Local(2, List.of(), 0, 0), s.local());
        ExecutorSettings.Slurm slurm = s.slurm();
        assertEquals(1, slurm.cpusPerTask());
        assertTrue(slurm.requeue() && slurm.collect());
        assertEquals(120, slurm.signalSeconds());
        assertEquals(null, slurm.partition());
        assertTrue(s.command().isEmpty());
    }

    @Test
    void theFileAndTheOptionChooseAndTheSettingsSurviveTheSuiteFolder() {
        ExecutorSettings s = ExecutorSettings.of(suite("""
                executor = slurm
                command = ["/opt/meta4j/bin/meta4j"]
                local { workers = 4, devices = ["cuda:0", "cuda:1"] }
                slurm { partition = gpu, time = "02:00:00", mem = 8G, gres = "gpu:1", max-concurrent = 3,
                        extra = ["--qos=normal"] }
                """), REFERENCE, null);
        assertEquals("slurm", s.executor());
        assertEquals("local", ExecutorSettings.of(suite("executor = slurm"), REFERENCE, "local").executor(),
                "--executor wins over the file");
        ExecutorSettings back = ExecutorSettings.parse(s.render(), REFERENCE);
        assertEquals(s.slurm(), back.slurm());
        assertEquals(s.local(), back.local());
        assertEquals(List.of("/opt/meta4j/bin/meta4j"), back.command().orElseThrow());
        assertEquals("gpu", back.slurm().partition());
        assertEquals("8G", back.slurm().mem());
        assertEquals("local", back.withExecutor("local").executor());
    }

    @Test
    void mistakesNameTheKeyTheFileAndTheLine() {
        String typo = error("executor = local\nlocal { worker = 3 }", null);
        assertTrue(typo.contains("s.conf: 3: suite.local.worker: unknown key; did you mean 'workers'?")
                || typo.contains("s.conf:3: suite.local.worker: unknown key; did you mean 'workers'?"), typo);
        assertTrue(error("executor = slurmm", null).contains("suite.executor"), "@oneof");
        assertTrue(error("local { workers = 0 }", null).contains("suite.local.workers"), "@range");
        assertTrue(error("local { workers = 1.5 }", null).contains("expected a whole number"));
        assertTrue(error("slurm { partition = \"a b\" }", null).contains("suite.slurm.partition: expected one word"));
        assertTrue(error("slurm { extra = [\"qos=normal\"] }", null).contains("suite.slurm.extra: expected sbatch options"));
        assertTrue(error("local { devices = [gpu0] }", null).contains("suite.local.devices"));
        assertTrue(error("command = 3", null).contains("suite.command"));
        String option = error("name = x", "slrum");
        assertTrue(option.contains("--executor: unknown executor 'slrum'; did you mean 'slurm'?"), option);
    }
}
