package dev.meta4j.runtime.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meta4j.api.algorithm.Figure;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingCurvesTest {

    private static JsonObject line(String json) {
        return JsonParser.parseString(json).getAsJsonObject();
    }

    private static List<String> titles(Figure f) {
        return f.panels().stream().map(Figure.Panel::title).toList();
    }

    @Test
    void aConstantLearningRateGoesIntoTheTitleAndTaskWeightsGetAPanel() {
        Figure f = TrainingCurves.of(List.of(
                line("{\"step\":1,\"split\":\"train\",\"lr\":0.001,\"loss\":2.0,\"weight/left\":0.4,\"weight/right\":1.6}"),
                line("{\"step\":2,\"split\":\"train\",\"lr\":0.001,\"loss\":1.5,\"weight/left\":0.5,\"weight/right\":1.5}"),
                line("{\"step\":2,\"split\":\"validation\",\"left/accuracy\":0.7,\"left/accuracy-ci95\":0.01}")));
        assertEquals(List.of("training (lr 0.001 throughout)", "validation", "task weights"), titles(f));
        assertEquals(List.of("weight/left", "weight/right"),
                f.panels().get(2).series().stream().map(Figure.Series::label).toList());
        assertEquals(List.of("left/accuracy"), f.panels().get(1).series().stream().map(Figure.Series::label).toList());
    }

    @Test
    void aScheduledLearningRateKeepsItsPanel() {
        Figure f = TrainingCurves.of(List.of(
                line("{\"step\":1,\"split\":\"train\",\"lr\":0.001,\"loss\":2.0}"),
                line("{\"step\":2,\"split\":\"train\",\"lr\":0.0005,\"loss\":1.5}")));
        assertEquals(List.of("training", "learning rate"), titles(f));
    }
}
