package io.twotower.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AggregateSettingsTest {

  @Test
  void rejectsValuesNamingKeyValueAndWhatIsAllowed() {
    assertThatThrownBy(() -> new AggregateSettings(0, 1, 1e-6, ProbabilityKind.EXPECTED_COUNT))
        .hasMessageContaining("batchSize = 0 is invalid")
        .hasMessageContaining("an integer >= 1");
    assertThatThrownBy(
            () -> new AggregateSettings(8, Double.NaN, 1e-6, ProbabilityKind.EXPECTED_COUNT))
        .hasMessageContaining("halfLifeDays = NaN");
    assertThatThrownBy(() -> new AggregateSettings(8, 1, 0, ProbabilityKind.EXPECTED_COUNT))
        .hasMessageContaining("floor = 0.0 is invalid")
        .hasMessageContaining("a probability in (0, 1]");
    assertThatThrownBy(() -> new AggregateSettings(8, 1, 1e-6, null))
        .hasMessageContaining("kind = null");
  }

  @Test
  void nonPositiveOrInfiniteHalfLifeMeansNoDecay() {
    assertThat(new AggregateSettings(8, 0, 1e-6, ProbabilityKind.EXPECTED_COUNT).decays())
        .isFalse();
    assertThat(new AggregateSettings(8, -1, 1e-6, ProbabilityKind.EXPECTED_COUNT).decays())
        .isFalse();
    assertThat(
            new AggregateSettings(8, Double.POSITIVE_INFINITY, 1e-6, ProbabilityKind.EXPECTED_COUNT)
                .decays())
        .isFalse();
    assertThat(new AggregateSettings(8, 7, 1e-6, ProbabilityKind.EXPECTED_COUNT).decays()).isTrue();
  }
}
