package io.twotower.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EarlyStoppingTest {

  @Test
  void stopsAfterPatienceEpochsWithoutImprovementAndKeepsTheBestEpoch() {
    EarlyStopping stopping = new EarlyStopping(2);

    // Epochs 1..3 improve, 4 and 5 do not: the second epoch without improvement stops it.
    assertThat(stopping.keepTraining(0, 0.10)).isTrue();
    assertThat(stopping.keepTraining(1, 0.15)).isTrue();
    assertThat(stopping.keepTraining(2, 0.20)).isTrue();
    assertThat(stopping.keepTraining(3, 0.19)).isTrue();
    assertThat(stopping.keepTraining(4, 0.20)).isFalse();

    // A tie is no improvement: the best is the first epoch that reached 0.20.
    assertThat(stopping.bestEpochs()).isEqualTo(3);
    assertThat(stopping.bestScore()).isEqualTo(0.20);
    assertThat(stopping.scores()).containsExactly(0.10, 0.15, 0.20, 0.19, 0.20);
  }

  @Test
  void anImprovementResetsThePatience() {
    EarlyStopping stopping = new EarlyStopping(2);

    assertThat(stopping.keepTraining(0, 0.3)).isTrue();
    assertThat(stopping.keepTraining(1, 0.2)).isTrue();
    assertThat(stopping.keepTraining(2, 0.4)).isTrue();
    assertThat(stopping.keepTraining(3, 0.1)).isTrue();
    assertThat(stopping.keepTraining(4, 0.1)).isFalse();
    assertThat(stopping.bestEpochs()).isEqualTo(3);
  }

  @Test
  void patienceOneStopsAtTheFirstEpochWithoutImprovement() {
    EarlyStopping stopping = new EarlyStopping(1);

    assertThat(stopping.keepTraining(0, 0.3)).isTrue();
    assertThat(stopping.keepTraining(1, 0.3)).isFalse();
    assertThat(stopping.bestEpochs()).isEqualTo(1);
  }

  @Test
  void nothingRecordedHasNoBestEpoch() {
    EarlyStopping stopping = new EarlyStopping(2);

    assertThat(stopping.bestEpochs()).isZero();
    assertThat(stopping.bestScore()).isNaN();
  }

  @Test
  void epochsMustComeInOrderAndPatienceBePositive() {
    EarlyStopping stopping = new EarlyStopping(2);
    assertThatThrownBy(() -> stopping.keepTraining(1, 0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epoch 1 after 0 scores");
    assertThatThrownBy(() -> new EarlyStopping(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("patience 0");
  }
}
