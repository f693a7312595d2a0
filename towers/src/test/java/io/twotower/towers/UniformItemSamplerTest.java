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
    int[][][] sameFields = {{{1}}, {{2}}, {{1}}};
    assertThatThrownBy(() -> new UniformItemSampler(new int[] {4, 5, 4}, sameFields))
        .hasMessageContaining("corpus item id in row 2: got 4")
        .hasMessageContaining("twice with the same field values [[1]]")
        .hasMessageContaining("list every item once");
  }

  @Test
  void itemsSharingAnIdBucketAreSeparateCorpusItems() {
    // Items 7 and 8 hashed into one out-of-vocabulary id, 3: two corpus items with their own
    // fields, each drawn with probability B'/N = 1/3.
    UniformItemSampler shared =
        new UniformItemSampler(new int[] {1, 3, 3}, new int[][][] {{{0}}, {{7}}, {{8}}});
    int[] drawnWithField = new int[9];
    for (long seed = 0; seed < 3_000; seed++) {
      TowerExample negative = shared.sample(1, seed).get(0);
      assertThat(negative.logQ()).isCloseTo((float) Math.log(1 / 3.0), within(1e-6f));
      drawnWithField[negative.fieldValues()[0][0]]++;
    }
    // 1,000 expected each; sd sqrt(3,000 * 1/3 * 2/3) = 26.
    assertThat(drawnWithField[0]).isBetween(880, 1_120);
    assertThat(drawnWithField[7]).isBetween(880, 1_120);
    assertThat(drawnWithField[8]).isBetween(880, 1_120);
  }

  private static int[] items(List<TowerExample> negatives) {
    return negatives.stream().mapToInt(TowerExample::item).toArray();
  }
}
