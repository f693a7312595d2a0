package io.twotower.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AliasTableTest {

  @Test
  void drawsValuesInProportionToTheirWeights() {
    // Weights 1 : 2 : 7 -> shares 0.1, 0.2, 0.7.
    AliasTable table = new AliasTable(new int[] {5, 6, 7}, new double[] {1, 2, 7});
    SplittableRandom random = new SplittableRandom(1);
    int draws = 200_000;
    int[] counts = new int[8];
    for (int k = 0; k < draws; k++) {
      counts[table.sample(random)]++;
    }
    assertThat(counts[5] / (double) draws).isCloseTo(0.1, within(0.005));
    assertThat(counts[6] / (double) draws).isCloseTo(0.2, within(0.005));
    assertThat(counts[7] / (double) draws).isCloseTo(0.7, within(0.005));
  }

  @Test
  void aSingleValueIsAlwaysDrawn() {
    AliasTable table = new AliasTable(new int[] {3}, new double[] {0.25});
    assertThat(table.sample(new SplittableRandom(2))).isEqualTo(3);
  }
}
