package io.twotower.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.JobException;
import io.twotower.towers.LogQCorrection;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  @Test
  void commandLineOverridesWinAndListsParse() {
    JobConfig config =
        JobConfig.from(
            ConfigLoader.load(
                null,
                Map.of(
                    "train.query-hidden", "[512, 128]",
                    "train.epochs", "3",
                    "two-tower.spark.master", "local[4]",
                    "source.movielens-path", "hdfs://namenode/ml")));

    assertThat(config.train().queryHidden()).containsExactly(512, 128);
    assertThat(config.train().epochs()).isEqualTo(3);
    assertThat(config.spark().master()).isEqualTo("local[4]");
    assertThat(config.source().movielensPath()).isEqualTo("hdfs://namenode/ml");
  }

  @Test
  void badValueNamesTheKeyTheValueAndWhatIsAllowed() {
    assertThatThrownBy(
            () -> JobConfig.from(ConfigLoader.load(null, Map.of("train.correction", "sometimes"))))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("two-tower.train.correction = sometimes")
        .hasMessageContaining("paper | negatives-only | none");
  }

  @Test
  void correctionAndMixedNegativesDefaultToThePaperAndOff() {
    assertThat(train(Map.of()).correction()).isEqualTo(TrainConfig.Correction.PAPER);
    assertThat(train(Map.of()).mixedNegatives()).isZero();

    TrainConfig set =
        train(Map.of("train.correction", "negatives-only", "train.mixed-negatives", "256"));
    assertThat(set.correction()).isEqualTo(TrainConfig.Correction.NEGATIVES_ONLY);
    assertThat(set.mixedNegatives()).isEqualTo(256);
  }

  @Test
  void everyCorrectionNamesATowersCorrection() {
    for (TrainConfig.Correction correction : TrainConfig.Correction.values()) {
      assertThat(LogQCorrection.valueOf(correction.name()).name()).isEqualTo(correction.name());
    }
  }

  @Test
  void negativeMixedNegativesAreRejected() {
    assertThatThrownBy(() -> train(Map.of("train.mixed-negatives", "-1")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("two-tower.train.mixed-negatives = -1")
        .hasMessageContaining("a whole number >= 0");
  }

  private static TrainConfig train(Map<String, String> overrides) {
    return JobConfig.from(ConfigLoader.load(null, overrides)).train();
  }
}
