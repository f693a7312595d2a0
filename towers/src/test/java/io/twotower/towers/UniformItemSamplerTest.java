package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class UniformItemSamplerTest {
  private static final int N = 20;
  // Items 100..119; item 100 + k has channel k % 5 and the one topic k % 8.
  private static final int[] ITEMS = IntStream.range(100, 100 + N).toArray();
  private static final int[][][] FIELDS =
      IntStream.range(0, N).mapToObj(k -> new int[][] {{k % 5}, {k % 8}}).toArray(int[][][]::new);

  private final UniformItemSampler sampler = new UniformItemSampler(ITEMS, FIELDS);

  @Test
  void negativesAreDistinctCorpusItemsWithRewardZeroAndLogOfTheirRate() {
    List<TowerExample> negatives = sampler.sample(5, 11L);

    assertThat(negatives).hasSize(5);
    assertThat(negatives.stream().mapToInt(TowerExample::item).distinct()).hasSize(5);
    for (TowerExample negative : negatives) {
      int k = negative.item() - 100;
      assertThat(k).isBetween(0, N - 1);
      assertThat(negative.fieldValues()).isDeepEqualTo(FIELDS[k]);
      assertThat(negative.history()).isEmpty();
      assertThat(negative.reward()).isZero();
      // B'/N = 5/20: each item is drawn with probability 1/4, its expected count per batch.
      assertThat(negative.logQ()).isCloseTo((float) Math.log(0.25), within(1e-6f));
    }
  }

  @Test
  void aSeedFixesTheDraw() {
    assertThat(items(sampler.sample(5, 11L))).isEqualTo(items(sampler.sample(5, 11L)));
    assertThat(items(sampler.sample(5, 11L))).isNotEqualTo(items(sampler.sample(5, 12L)));
  }

  @Test
  void everyItemIsDrawnAboutEquallyOften() {
    // 20,000 draws of 5 of 20 items: 5,000 expected per item, standard deviation
    // sqrt(20,000 * 1/4 * 3/4) = 61; 300 is about five of them.
    int[] counts = new int[N];
    for (long seed = 0; seed < 20_000; seed++) {
      for (TowerExample negative : sampler.sample(5, seed)) {
        counts[negative.item() - 100]++;
      }
    }
    assertThat(IntStream.of(counts).min().orElseThrow()).isGreaterThanOrEqualTo(4_700);
    assertThat(IntStream.of(counts).max().orElseThrow()).isLessThanOrEqualTo(5_300);
  }

  @Test
  void zeroNegativesAndTheWholeCorpusAreAllowed() {
    assertThat(sampler.sample(0, 1L)).isEmpty();
    assertThat(sampler.sample(N, 1L).stream().mapToInt(TowerExample::item).sorted().toArray())
        .containsExactly(ITEMS);
    assertThat(sampler.sample(N, 1L).get(0).logQ()).isZero();
  }

  @Test
  void rejectsCountsOutsideTheCorpus() {
    assertThatThrownBy(() -> sampler.sample(-1, 1L))
        .hasMessageContaining("Invalid mixedNegatives: got -1")
        .hasMessageContaining("0..20 (the corpus size");
    assertThatThrownBy(() -> sampler.sample(21, 1L))
        .hasMessageContaining("Invalid mixedNegatives: got 21");
  }

  @Test
  void rejectsABadCorpus() {
    assertThatThrownBy(() -> new UniformItemSampler(new int[0], new int[0][][]))
        .hasMessageContaining("corpus for mixed negatives is empty");
    assertThatThrownBy(() -> new UniformItemSampler(new int[] {1, 2}, new int[1][][]))
        .hasMessageContaining("got 2 items but 1 rows of field values");
    assertThatThrownBy(() -> new UniformItemSampler(new int[] {4, 5, 4}, new int[3][][]))
        .hasMessageContaining("corpus item id in row 2: got 4")
        .hasMessageContaining("list every item once");
  }

  private static int[] items(List<TowerExample> negatives) {
    return negatives.stream().mapToInt(TowerExample::item).toArray();
  }
}
