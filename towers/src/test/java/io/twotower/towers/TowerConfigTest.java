package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.towers.SparkTrainingSettings.LearningRateScaling;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.ObjectMapper;

class TowerConfigTest {
  @Test
  void errorsNameTheFieldTheValueAndWhatIsAllowed() {
    assertThatThrownBy(() -> config(0, 0.05).build())
        .hasMessage(
            "Invalid itemCardinality: got 0; allowed: 1..16777216 (ids travel as float32)."
                + " Fix the itemCardinality setting.");
    assertThatThrownBy(() -> config(10, 0).build())
        .hasMessageContaining("Invalid temperature: got 0.0");
    assertThatThrownBy(() -> config(10, 0.05).optimizer(null).build())
        .hasMessageContaining("Invalid optimizer: got null; allowed: ADAM or ADAGRAD");
    assertThatThrownBy(() -> new CategoricalField("bad name", 3, 1, 2))
        .hasMessageContaining("Invalid itemFields.name: got \"bad name\"");
  }

  @Test
  void theBuilderNamesAFieldThatWasNotSet() {
    assertThatThrownBy(() -> TowerConfig.builder().itemCardinality(10).build())
        .hasMessage(
            "Invalid historyLength: got null; allowed: a value: call"
                + " TowerConfig.Builder.historyLength(...) before build(). Fix the historyLength"
                + " setting.");
  }

  @Test
  void hyperparametersAreReadByTheirNamesAndCheckedByOneRule() {
    Map<String, Object> values = new HashMap<>();
    values.put("item-embedding-dim", 4);
    values.put("query-hidden", List.of(8));
    values.put("item-hidden", List.of());
    values.put("output-dim", 4);
    values.put("temperature", 0.1);
    values.put("correction", LogQCorrection.NEGATIVES_ONLY);
    values.put("mask-accidental-hits", true);
    values.put("optimizer", Optimizer.ADAGRAD);
    values.put("learning-rate", 0.5);
    values.put("seed", 7L);
    values.put("seed-item", true);
    Hyperparameter.Source source = new MapSource(values);

    TowerConfig config =
        TowerConfig.builder().itemCardinality(10).historyLength(5).hyperparameters(source).build();

    assertThat(config)
        .isEqualTo(
            config(10, 0.1)
                .itemEmbeddingDim(4)
                .itemHiddenSizes(List.of())
                .correction(LogQCorrection.NEGATIVES_ONLY)
                .maskAccidentalHits(true)
                .optimizer(Optimizer.ADAGRAD)
                .learningRate(0.5)
                .seed(7L)
                .seedItem(true)
                .build());
    assertThat(TowerConfig.HYPERPARAMETERS)
        .map(Hyperparameter::name)
        .containsExactlyInAnyOrderElementsOf(values.keySet());
    assertThat(TowerConfig.TEMPERATURE.accepts(0.0)).isFalse();
    assertThat(TowerConfig.QUERY_HIDDEN.accepts(List.of(8, 0))).isFalse();
    assertThat(TowerConfig.LEARNING_RATE.accepts(Double.POSITIVE_INFINITY)).isFalse();
    // The loss checks its temperature by the same rule, so it fails with the same message.
    assertThatThrownBy(() -> new InBatchSoftmaxLoss(4, 0, LogQCorrection.NONE, false))
        .hasMessage(
            "Invalid temperature: got 0.0; allowed: a finite number > 0, e.g. 0.05."
                + " Fix the temperature setting.");
  }

  @Test
  void sparkSettingsNameTheOffendingField() {
    assertThatThrownBy(() -> new SparkTrainingSettings(2, 64, 0, 1, 1, LearningRateScaling.NONE))
        .hasMessage(
            "Invalid averagingFrequency: got 0; allowed: >= 1. Fix the averagingFrequency setting.");
  }

  @Test
  void workersLearningRatesScaleWithTheirNumber() {
    assertThat(
            new SparkTrainingSettings(4, 64, 1, 1, 1, LearningRateScaling.NONE)
                .learningRateFactor())
        .isEqualTo(1.0);
    assertThat(
            new SparkTrainingSettings(4, 64, 1, 1, 1, LearningRateScaling.SQRT)
                .learningRateFactor())
        .isEqualTo(2.0);
    assertThat(
            new SparkTrainingSettings(4, 64, 1, 1, 1, LearningRateScaling.LINEAR)
                .learningRateFactor())
        .isEqualTo(4.0);
    assertThat(LearningRateScaling.LINEAR.factor(1)).isEqualTo(1.0);
  }

  @Test
  void fieldNamesMustDifferIgnoringCase() {
    assertThatThrownBy(
            () ->
                config(10, 0.05)
                    .itemFields(
                        List.of(
                            new CategoricalField("topic", 3, 1, 2),
                            new CategoricalField("Topic", 3, 1, 2)))
                    .build())
        .hasMessageContaining("Invalid itemFields: got \"Topic\"");
    assertThatThrownBy(
            () ->
                TowerBatcherTest.CONFIG.toBuilder()
                    .userFields(
                        List.of(
                            new CategoricalField("region", 3, 1, 2),
                            new CategoricalField("REGION", 3, 1, 2)))
                    .build())
        .hasMessageContaining("Invalid userFields: got \"REGION\"");
  }

  @Test
  void configAndBatcherSurviveJavaSerialization() throws Exception {
    // Spark ships both to the tasks that batch examples.
    TowerConfig config = TowerBatcherTest.CONFIG;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(config);
      out.writeObject(new TowerBatcher(config));
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertThat(in.readObject()).isEqualTo(config);
      assertThat(in.readObject()).isInstanceOf(TowerBatcher.class);
    }
  }

  @Test
  void aConfigSavedWhileTheOptimizerWasAStringStillLoads() throws Exception {
    // The JSON TwoTowerModel.save wrote before Optimizer existed: "adam", and no userFields.
    String saved =
        "{\"itemCardinality\":10,\"historyLength\":5,\"itemEmbeddingDim\":4,\"itemFields\":[],"
            + "\"queryHiddenSizes\":[8],\"itemHiddenSizes\":[8],\"outputDim\":4,"
            + "\"temperature\":0.05,\"correction\":\"NONE\",\"maskAccidentalHits\":false,"
            + "\"optimizer\":\"adam\",\"learningRate\":0.01,\"seed\":1,\"seedItem\":false}";

    assertThat(new ObjectMapper().readValue(saved, TowerConfig.class))
        .isEqualTo(config(10, 0.05).build());
  }

  /** tau and the item cardinality as given; small widths, no correction, Adam. */
  private static TowerConfig.Builder config(int cardinality, double temperature) {
    return TowerConfig.builder()
        .itemCardinality(cardinality)
        .historyLength(5)
        .itemEmbeddingDim(4)
        .queryHiddenSizes(List.of(8))
        .itemHiddenSizes(List.of(8))
        .outputDim(4)
        .temperature(temperature)
        .correction(LogQCorrection.NONE)
        .maskAccidentalHits(false)
        .optimizer(Optimizer.ADAM)
        .learningRate(0.01)
        .seed(1L)
        .seedItem(false);
  }

  /** Settings kept in a map, as a caller's config would hold them. */
  private record MapSource(Map<String, Object> values) implements Hyperparameter.Source {
    @Override
    public int intValue(String name) {
      return (Integer) values.get(name);
    }

    @Override
    public long longValue(String name) {
      return (Long) values.get(name);
    }

    @Override
    public double doubleValue(String name) {
      return (Double) values.get(name);
    }

    @Override
    public boolean booleanValue(String name) {
      return (Boolean) values.get(name);
    }

    @SuppressWarnings("unchecked")
    @Override
    public List<Integer> intList(String name) {
      return (List<Integer>) values.get(name);
    }

    @Override
    public <E extends Enum<E>> E enumValue(String name, Class<E> type) {
      return type.cast(values.get(name));
    }
  }
}
