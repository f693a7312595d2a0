package io.twotower.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.JobException;
import io.twotower.jobs.SharedData;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.towers.LogQCorrection;
import io.twotower.towers.Optimizer;
import io.twotower.towers.SparkTrainingSettings.LearningRateScaling;
import io.twotower.towers.TowerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {

  @TempDir Path dir;

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
  void workersLearningRateScalesLinearlyUnlessSetOtherwise() {
    assertThat(train(Map.of()).learningRateScaling()).isEqualTo(LearningRateScaling.LINEAR);
    assertThat(train(Map.of("train.learning-rate-scaling", "sqrt")).learningRateScaling())
        .isEqualTo(LearningRateScaling.SQRT);
    assertThatThrownBy(() -> train(Map.of("train.learning-rate-scaling", "quadratic")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("two-tower.train.learning-rate-scaling = quadratic")
        .hasMessageContaining("none | sqrt | linear");
  }

  @Test
  void negativeMixedNegativesAreRejected() {
    assertThatThrownBy(() -> train(Map.of("train.mixed-negatives", "-1")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("two-tower.train.mixed-negatives = -1")
        .hasMessageContaining("a whole number >= 0");
  }

  @Test
  void aTypoInASetKeyFailsNamingTheNearestKey() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("train.epochz", "3")))
        .isInstanceOf(JobException.class)
        .hasMessageStartingWith(
            "Unknown config key two-tower.train.epochz; did you mean two-tower.train.epochs?")
        .hasMessageContaining("set in --set");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "two-tower { train { learning-rat = 0.1 } }",
        "two-tower.train.learning-rat = 0.1",
        "two-towr.train.learning-rate = 0.1"
      })
  void aTypoInAFileFailsNamingTheNearestKey(String text) throws IOException {
    Path file = Files.writeString(dir.resolve("typo.conf"), text);

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("did you mean two-tower.train.learning-rate?")
        .hasMessageContaining("typo.conf");
  }

  @Test
  void theNearestKeyIsTheOneWithTheFewestEdits() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("evaluate.als.grid.rnak", "[8]")))
        .hasMessageStartingWith(
            "Unknown config key two-tower.evaluate.als.grid.rnak;"
                + " did you mean two-tower.evaluate.als.grid.rank?");
    // A key below a value that is not an object is unknown too.
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("train.epochs.max", "3")))
        .hasMessageStartingWith(
            "Unknown config key two-tower.train.epochs.max; did you mean two-tower.train.epochs?");
  }

  @Test
  void everyUnknownKeyIsListed() {
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of("train.epochz", "3", "features.min-cout", "2")))
        .hasMessageStartingWith("Unknown config key two-tower.features.min-cout;")
        .hasMessageContaining("also unknown: two-tower.train.epochz");
  }

  @Test
  void anUnknownSystemPropertyUnderTheRootIsRejectedAndOthersAreNot() {
    System.setProperty("two-tower.train.batch-sise", "64");
    System.setProperty("some.other.library", "x");
    ConfigFactory.invalidateCaches();
    try {
      assertThatThrownBy(() -> ConfigLoader.load(null, Map.of()))
          .hasMessageStartingWith(
              "Unknown config key two-tower.train.batch-sise;"
                  + " did you mean two-tower.train.batch-size?");
    } finally {
      System.clearProperty("two-tower.train.batch-sise");
      System.clearProperty("some.other.library");
      ConfigFactory.invalidateCaches();
    }
  }

  @Test
  void sparkConfTakesAnySparkSetting() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("spark.conf"),
            "two-tower.spark.conf { \"spark.sql.adaptive.enabled\" = \"false\" }");

    JobConfig config =
        JobConfig.from(ConfigLoader.load(file, Map.of("spark.conf.spark.executor.memory", "4g")));

    assertThat(config.spark().conf())
        .containsEntry("spark.sql.adaptive.enabled", "false")
        .containsEntry("spark.executor.memory", "4g")
        .containsEntry("spark.sql.shuffle.partitions", "8");
  }

  @Test
  void dataDirIsAUriAndAPlainPathIsAnAbsoluteFileUri() {
    JobConfig s3 =
        JobConfig.from(
            ConfigLoader.load(
                null,
                Map.of(
                    "data-dir",
                    "s3a://bucket/two-tower",
                    "spark.conf.\"spark.hadoop.fs.s3a.endpoint\"",
                    "http://127.0.0.1:9000")));
    JobConfig relative = JobConfig.from(ConfigLoader.load(null, Map.of("data-dir", "data")));

    assertThat(s3.dataDir().toString()).isEqualTo("s3a://bucket/two-tower");
    assertThat(s3.spark().conf())
        .containsEntry("spark.hadoop.fs.s3a.endpoint", "http://127.0.0.1:9000");
    assertThat(relative.dataDir().toString()).isEqualTo("file:" + Path.of("data").toAbsolutePath());
    assertThat(relative.dataDir())
        .isEqualTo(DataLocation.of("file://" + Path.of("data").toAbsolutePath()));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "conf/local.conf",
        "conf/movielens.conf",
        "conf/generated.conf",
        "conf/cluster.conf"
      })
  void theRepositorysConfigFilesDeclareNoUnknownKey(String file) {
    Path conf = SharedData.repositoryRoot().resolve(file);

    assertThat(JobConfig.from(ConfigLoader.load(conf, Map.of())).dataDir()).isNotNull();
  }

  @Test
  void generatedConfReadsTheFilesOfGenerateUnderTheDataDirGiven() {
    Path conf = SharedData.repositoryRoot().resolve("conf/generated.conf");

    SourceConfig source =
        JobConfig.from(ConfigLoader.load(conf, Map.of("data-dir", "s3a://bucket/run"))).source();

    assertThat(source.kind()).isEqualTo(SourceConfig.Kind.GENERIC);
    assertThat(source.genericFormat()).isEqualTo("parquet");
    assertThat(source.genericEventsPath()).isEqualTo("s3a://bucket/run/raw/synthetic/events");
    assertThat(source.genericItemsPath()).isEqualTo("s3a://bucket/run/raw/synthetic/items");
  }

  private static TrainConfig train(Map<String, String> overrides) {
    return JobConfig.from(ConfigLoader.load(null, overrides)).train();
  }

  /** The model config train.* gives, with a small vocabulary in place of the data's. */
  private static TowerConfig model(TrainConfig train) {
    return train.towerConfig().itemCardinality(10).historyLength(5).build();
  }
}
