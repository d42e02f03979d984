package dev.meta4j.weighting;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.util.ArrayList;
import java.util.List;

/**
 * The golden numbers of {@code golden/loss-based.json}, written by {@code
 * scripts/reference/weighting_loss_golden.py} from independent PyTorch implementations of the
 * methods (the authors' and LibMTL's formulas).
 */
final class LossBasedGolden {

    static final String RESOURCE = "golden/loss-based.json";

    private LossBasedGolden() {}

    /** One method run over one sequence of steps, with the plugin settings it used. */
    record Case(String method, String name, String config, List<Step> steps) {
        @Override
        public String toString() {
            return method + "/" + name;
        }
    }

    /**
     * One step: the inputs ({@code epoch}, {@code losses}, and per method {@code draws}, {@code
     * logVariances}, {@code lossesAfter}) and what the reference computed (absent arrays are
     * null).
     */
    record Step(
            long epoch,
            double[] losses,
            double[] draws,
            double[] logVariances,
            double[] lossesAfter,
            double objective,
            double[] gradLosses,
            double[] weights,
            double[] gradLogVariances,
            double[] logitsAfter) {}

    static List<Case> load() {
        Config root = ConfigFactory.parseResources(LossBasedGolden.class.getClassLoader(), RESOURCE,
                ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON).setAllowMissing(false));
        List<Case> cases = new ArrayList<>();
        for (Config c : root.getConfigList("cases")) {
            List<Step> steps = new ArrayList<>();
            for (Config s : c.getConfigList("steps")) {
                steps.add(new Step(
                        s.getLong("epoch"),
                        array(s, "losses"),
                        array(s, "draws"),
                        array(s, "log_variances"),
                        array(s, "losses_after"),
                        s.getDouble("objective"),
                        array(s, "grad_losses"),
                        array(s, "weights"),
                        array(s, "grad_log_variances"),
                        array(s, "logits_after")));
            }
            cases.add(new Case(c.getString("method"), c.getString("name"), c.getString("config"), steps));
        }
        return cases;
    }

    static List<Case> of(String method) {
        return load().stream().filter(c -> c.method().equals(method)).toList();
    }

    private static double[] array(Config c, String key) {
        if (!c.hasPath(key)) {
            return null;
        }
        return c.getDoubleList(key).stream().mapToDouble(Double::doubleValue).toArray();
    }
}
