package io.twotower.jobs.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.JobException;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.EvaluateConfig;
import io.twotower.jobs.config.EvaluateConfig.Baseline;
import io.twotower.jobs.config.JobConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluateConfigTest {

  private static EvaluateConfig load(Map<String, String> overrides) {
    return JobConfig.from(ConfigLoader.load(null, overrides)).evaluate();
  }

  @Test
  void defaultsRankPopularityOnlyWithoutAGrid() {
    EvaluateConfig config = load(Map.of());
    assertThat(config.ks()).containsExactly(10, 50, 100, 300);
    assertThat(config.baselines()).containsExactly(Baseline.POPULARITY);
    assertThat(config.als().rank()).isEqualTo(64);
    assertThat(config.als().tuned()).isFalse();
    assertThat(config.als().candidates()).containsExactly(config.als());
  }

  @Test
  void listsCanBeSetFromTheCommandLine() {
    EvaluateConfig config =
        load(
            Map.of(
                "evaluate.baselines", "[popularity,als]",
                "evaluate.als.grid.rank", "[16, 32]",
                "evaluate.als.grid.alpha", "[1, 10, 40]"));
    assertThat(config.baselines()).containsExactly(Baseline.POPULARITY, Baseline.ALS);
    // 2 ranks x the configured reg-param x 3 alphas
    assertThat(config.als().candidates()).hasSize(6);
    assertThat(config.als().candidates().get(5).toString())
        .isEqualTo("rank=32 reg-param=0.1 alpha=40.0");
  }

  @Test
  void anUnknownBaselineNamesTheKeyAndTheAllowedValues() {
    assertThatThrownBy(() -> load(Map.of("evaluate.baselines", "[bpr]")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("two-tower.evaluate.baselines")
        .hasMessageContaining("popularity | als");
  }

  @Test
  void aNonPositiveGridValueIsRejected() {
    assertThatThrownBy(() -> load(Map.of("evaluate.als.grid.reg-param", "[0.1, 0]")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("two-tower.evaluate.als.grid.reg-param");
  }
}
