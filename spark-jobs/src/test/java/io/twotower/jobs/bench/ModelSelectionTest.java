package io.twotower.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.twotower.jobs.bench.ModelSelection.Validated;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelSelectionTest {

  // Recall@10 and @100 at each run's best epoch. Scores (mean over ks, then over runs):
  // none/0.05: (0.1 + 0.3) / 2 = 0.20; none/0.1: 0.25; paper/0.05: 0.30;
  // paper/0.1: runs 0.30 and 0.20 -> 0.25.
  static final Validated NONE_005 = validated("none", "0.05", List.of(List.of(0.1, 0.3)), 4);
  static final Validated NONE_01 = validated("none", "0.1", List.of(List.of(0.1, 0.4)), 6);
  static final Validated PAPER_005 = validated("paper", "0.05", List.of(List.of(0.2, 0.4)), 3);
  static final Validated PAPER_01 =
      new Validated(
          "correction=paper temperature=0.1",
          Map.of("train.correction", "paper", "train.temperature", "0.1"),
          List.of(List.of(0.2, 0.4), List.of(0.1, 0.3)),
          List.of(5, 2));
  static final List<Validated> ALL = List.of(NONE_005, NONE_01, PAPER_005, PAPER_01);

  @Test
  void scoreIsMeanRecallOverKsThenOverSeeds() {
    assertThat(NONE_005.score()).isCloseTo(0.20, within(1e-12));
    assertThat(PAPER_01.score()).isCloseTo(0.25, within(1e-12));
  }

  @Test
  void overallBestIsTheHighestScore() {
    assertThat(ModelSelection.best(ALL)).isEqualTo(PAPER_005);
  }

  @Test
  void perKeyPicksTheBestOfEachValueInFirstSeenOrder() {
    Map<String, Validated> best = ModelSelection.best(ALL, "train.correction");

    assertThat(best).containsOnlyKeys("none", "paper");
    assertThat(List.copyOf(best.keySet())).containsExactly("none", "paper");
    assertThat(best.get("none")).isEqualTo(NONE_01);
    assertThat(best.get("paper")).isEqualTo(PAPER_005);
  }

  @Test
  void aTieKeepsTheFirstCombination() {
    Validated same = validated("none", "0.2", List.of(List.of(0.2, 0.4)), 1);

    assertThat(ModelSelection.best(List.of(PAPER_005, same))).isEqualTo(PAPER_005);
  }

  @Test
  void epochsAreTheMedianBestEpochOverSeeds() {
    assertThat(NONE_005.epochs()).isEqualTo(4);
    // Best epochs 5 and 2: the upper median of an even count.
    assertThat(PAPER_01.epochs()).isEqualTo(5);
    assertThat(new Validated("x", Map.of(), List.of(List.of(0.1)), List.of(3, 1, 8)).epochs())
        .isEqualTo(3);
  }

  @Test
  void distinctWinnersOnceEach() {
    Map<String, Validated> overall = ModelSelection.best(ALL, null);

    assertThat(overall).containsOnlyKeys("");
    assertThat(ModelSelection.distinct(Map.of("a", PAPER_005, "b", PAPER_005)))
        .containsExactly(PAPER_005);
  }

  private static Validated validated(
      String correction, String temperature, List<List<Double>> recalls, int bestEpochs) {
    return new Validated(
        "correction=" + correction + " temperature=" + temperature,
        Map.of("train.correction", correction, "train.temperature", temperature),
        recalls,
        List.of(bestEpochs));
  }
}
