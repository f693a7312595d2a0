package io.twotower.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.JobException;
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
        .hasMessageContaining("paper | none");
  }
}
