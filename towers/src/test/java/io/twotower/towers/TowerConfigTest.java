package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class TowerConfigTest {
  @Test
  void errorsNameTheFieldTheValueAndWhatIsAllowed() {
    assertThatThrownBy(() -> config(0, 0.05, "adam"))
        .hasMessage(
            "Invalid itemCardinality: got 0; allowed: 1..16777216 (ids travel as float32)."
                + " Fix the itemCardinality setting.");
    assertThatThrownBy(() -> config(10, 0, "adam"))
        .hasMessageContaining("Invalid temperature: got 0.0");
    assertThatThrownBy(() -> config(10, 0.05, "sgd"))
        .hasMessageContaining("Invalid optimizer: got \"sgd\"; allowed: \"adam\" or \"adagrad\"");
    assertThatThrownBy(() -> new CategoricalField("bad name", 3, 1, 2))
        .hasMessageContaining("Invalid itemFields.name: got \"bad name\"");
  }

  @Test
  void sparkSettingsNameTheOffendingField() {
    assertThatThrownBy(() -> new SparkTrainingSettings(2, 64, 0, 1, 1, 1L))
        .hasMessage(
            "Invalid averagingFrequency: got 0; allowed: >= 1. Fix the averagingFrequency setting.");
  }

  @Test
  void fieldNamesMustDifferIgnoringCase() {
    assertThatThrownBy(
            () ->
                new TowerConfig(
                    10,
                    5,
                    4,
                    List.of(
                        new CategoricalField("topic", 3, 1, 2),
                        new CategoricalField("Topic", 3, 1, 2)),
                    List.of(),
                    List.of(),
                    4,
                    0.05,
                    LogQCorrection.NONE,
                    false,
                    "adam",
                    0.01,
                    1L,
                    false,
                    List.of()))
        .hasMessageContaining("Invalid itemFields: got \"Topic\"");
    assertThatThrownBy(
            () ->
                TowerBatcherTest.CONFIG.withQueryFeatures(
                    false,
                    List.of(
                        new CategoricalField("region", 3, 1, 2),
                        new CategoricalField("REGION", 3, 1, 2))))
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
  void optimizerIsCaseInsensitive() {
    assertThat(config(10, 0.05, "AdaGrad").optimizer()).isEqualTo("adagrad");
  }

  private static TowerConfig config(int cardinality, double temperature, String optimizer) {
    return new TowerConfig(
        cardinality,
        5,
        4,
        List.of(),
        List.of(8),
        List.of(8),
        4,
        temperature,
        LogQCorrection.NONE,
        false,
        optimizer,
        0.01,
        1L,
        false,
        List.of());
  }
}
