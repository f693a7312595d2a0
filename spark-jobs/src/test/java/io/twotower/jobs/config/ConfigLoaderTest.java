package io.twotower.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.JobException;
import io.twotower.towers.LogQCorrection;
import io.twotower.towers.Optimizer;
import io.twotower.towers.TowerConfig;
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

    assertThat(model(config.train()).queryHiddenSizes()).containsExactly(512, 128);
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
    assertThatThrownBy(() -> train(Map.of("train.optimizer", "sgd")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("two-tower.train.optimizer = sgd")
        .hasMessageContaining("adam | adagrad");
  }

  @Test
  void theTowersRulesCheckHyperparametersOnLoadNamingTheKey() {
    assertThatThrownBy(() -> train(Map.of("train.temperature", "0")))
        .isInstanceOf(JobException.class)
        .hasMessageStartingWith("Invalid config value two-tower.train.temperature = 0.0")
        .hasMessageContaining("allowed: " + TowerConfig.TEMPERATURE.allowed());
    assertThatThrownBy(() -> train(Map.of("train.query-hidden", "[256, 0]")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("two-tower.train.query-hidden = [256, 0]");
  }

  @Test
  void hyperparametersDefaultToReferenceConf() {
    TowerConfig model = model(train(Map.of()));

    // reference.conf's train section.
    assertThat(model.itemEmbeddingDim()).isEqualTo(64);
    assertThat(model.queryHiddenSizes()).containsExactly(256);
    assertThat(model.itemHiddenSizes()).containsExactly(256);
    assertThat(model.outputDim()).isEqualTo(64);
    assertThat(model.temperature()).isEqualTo(0.05);
    assertThat(model.maskAccidentalHits()).isTrue();
    assertThat(model.optimizer()).isEqualTo(Optimizer.ADAM);
    assertThat(model.learningRate()).isEqualTo(0.002);
    assertThat(model.seed()).isEqualTo(42L);
    assertThat(model.seedItem()).isFalse();
  }

  @Test
  void correctionAndMixedNegativesDefaultToThePaperAndOff() {
    assertThat(model(train(Map.of())).correction()).isEqualTo(LogQCorrection.PAPER);
    assertThat(train(Map.of()).mixedNegatives()).isZero();

    TrainConfig set =
        train(Map.of("train.correction", "negatives-only", "train.mixed-negatives", "256"));
    assertThat(model(set).correction()).isEqualTo(LogQCorrection.NEGATIVES_ONLY);
    assertThat(set.mixedNegatives()).isEqualTo(256);
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

  /** The model config train.* gives, with a small vocabulary in place of the data's. */
  private static TowerConfig model(TrainConfig train) {
    return train.towerConfig().itemCardinality(10).historyLength(5).build();
  }
}
