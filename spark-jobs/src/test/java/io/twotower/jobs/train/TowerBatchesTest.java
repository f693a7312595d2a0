package io.twotower.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.towers.CategoricalField;
import io.twotower.towers.LogQCorrection;
import io.twotower.towers.Optimizer;
import io.twotower.towers.TowerBatcher;
import io.twotower.towers.TowerConfig;
import io.twotower.towers.TowerExample;
import io.twotower.towers.UniformItemSampler;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.api.MultiDataSet;

class TowerBatchesTest {
  private static final TowerConfig CONFIG =
      TowerConfig.builder()
          .itemCardinality(2_500)
          .historyLength(2)
          .itemEmbeddingDim(4)
          .itemFields(List.of(new CategoricalField("channel", 5, 1, 2)))
          .queryHiddenSizes(List.of())
          .itemHiddenSizes(List.of())
          .outputDim(4)
          .temperature(0.05)
          .correction(LogQCorrection.PAPER)
          .maskAccidentalHits(true)
          .optimizer(Optimizer.ADAM)
          .learningRate(0.01)
          .seed(1L)
          .seedItem(false)
          .build();
  private static final UniformItemSampler CORPUS =
      new UniformItemSampler(new int[] {7, 8, 9}, new int[][][] {{{1}}, {{2}}, {{3}}});

  @Test
  void buildsOneBatchPerCallWithThatBatchsNegatives() {
    // Five examples in batches of two, one negative each: 2 + 1, 2 + 1, then the last example
    // completed with the first batch's first one, + 1.
    CountingExamples examples = new CountingExamples(5);
    TowerBatches batches =
        new TowerBatches(examples, new TowerBatcher(CONFIG), 2, batch -> CORPUS.sample(1, batch));

    MultiDataSet first = batches.next();
    assertThat(examples.read).as("examples read for the first batch").isEqualTo(2);
    assertThat(labels(first)[2]).containsExactly(0f, (float) Math.log(1 / 3.0), itemOf(1, 0L));
    assertThat(labels(first)[0][2]).isEqualTo(0f); // example 0's item

    MultiDataSet second = batches.next();
    MultiDataSet last = batches.next();
    assertThat(batches.hasNext()).isFalse();
    assertThat(labels(second)).hasNumberOfRows(3);
    assertThat(labels(second)[2][2]).isEqualTo(itemOf(1, 1L));
    assertThat(labels(last)).hasNumberOfRows(3);
    assertThat(labels(last)[0][2]).isEqualTo(4f);
    assertThat(labels(last)[1][2]).as("example 0, completing the last batch").isEqualTo(0f);
    assertThat(labels(last)[2][2]).isEqualTo(itemOf(1, 2L));
    assertThat(examples.read).as("examples read").isEqualTo(5);
  }

  @Test
  void everyBatchOfALargePartitionIsFullAndHoldsEveryExample() {
    // 2,500 examples in batches of 1,024: 1,024, 1,024, then 452 completed with the first 572.
    TowerBatches batches =
        new TowerBatches(
            new CountingExamples(2_500), new TowerBatcher(CONFIG), 1_024, b -> List.of());
    List<Float> items = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    batches.forEachRemaining(
        batch -> {
          float[][] labels = labels(batch);
          sizes.add(labels.length);
          for (float[] row : labels) {
            items.add(row[2]);
          }
        });

    assertThat(sizes).containsExactly(1_024, 1_024, 1_024);
    assertThat(new HashSet<>(items)).hasSize(2_500);
    assertThat(items.subList(2_500, 3_072))
        .as("the completion: the first batch's first examples, in order")
        .isEqualTo(items.subList(0, 572));
  }

  @Test
  void aPartitionSmallerThanOneBatchStaysOneShortBatch() {
    // Completing it would repeat its own rows within the batch.
    TowerBatches batches =
        new TowerBatches(new CountingExamples(3), new TowerBatcher(CONFIG), 4, b -> List.of());

    assertThat(labels(batches.next())).hasNumberOfRows(3);
    assertThat(batches.hasNext()).isFalse();
  }

  private static float itemOf(int count, long seed) {
    return CORPUS.sample(count, seed).get(0).item();
  }

  private static float[][] labels(MultiDataSet batch) {
    return batch.getLabels(0).toFloatMatrix();
  }

  /** Examples of items 0..n-1 (empty history, channel 0), counting reads. */
  private static final class CountingExamples implements Iterator<TowerExample> {
    private final int n;
    int read;

    CountingExamples(int n) {
      this.n = n;
    }

    @Override
    public boolean hasNext() {
      return read < n;
    }

    @Override
    public TowerExample next() {
      return new TowerExample(new int[0], read++, new int[][] {{0}}, 1f, -2f);
    }
  }
}
