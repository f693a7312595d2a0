package io.twotower.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.JobException;
import io.twotower.towers.UniformItemSampler;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MixedNegativeDrawsTest {

  @Test
  void everyBatchOfEveryEpochGetsItsOwnSeed() {
    Set<Long> seeds = new HashSet<>();
    for (int epoch = 0; epoch < 8; epoch++) {
      for (int partition = 0; partition < 16; partition++) {
        for (long batch = 0; batch < 1_000; batch++) {
          seeds.add(MixedNegativeDraws.batchSeed(42, epoch, partition, batch));
        }
      }
    }
    assertThat(seeds).hasSize(8 * 16_000);
    assertThat(MixedNegativeDraws.batchSeed(42, 1, 3, 7))
        .isEqualTo(MixedNegativeDraws.batchSeed(42, 1, 3, 7))
        .isNotEqualTo(MixedNegativeDraws.batchSeed(43, 1, 3, 7));
  }

  @Test
  void noneDrawsNothing() {
    assertThat(MixedNegativeDraws.none().count()).isZero();
    assertThat(MixedNegativeDraws.none().forBatch(0, 0, 0)).isEmpty();
  }

  @Test
  void moreNegativesThanItemsNamesTheKeyAndTheCorpusSize() {
    UniformItemSampler corpus =
        new UniformItemSampler(new int[] {1, 2, 3}, new int[][][] {{}, {}, {}});
    // Rejected before anything is broadcast: no Spark context needed.
    assertThatThrownBy(() -> MixedNegativeDraws.of(null, corpus, 4, 42L))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("two-tower.train.mixed-negatives = 4")
        .hasMessageContaining("0..3 (the items in item_features");
  }
}
