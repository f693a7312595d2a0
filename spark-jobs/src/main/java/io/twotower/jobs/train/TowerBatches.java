package io.twotower.jobs.train;

import io.twotower.towers.TowerBatcher;
import io.twotower.towers.TowerExample;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.LongFunction;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * One Spark partition's training examples as MultiDataSets, built lazily: each {@link #next()}
 * reads the next {@code batchSize} examples and appends that batch's mixed negatives. Only one
 * batch is held at a time (and the first batch's examples), whatever the partition's size.
 *
 * <p>Every batch holds {@code batchSize} examples: a partition's last batch is completed with the
 * examples its first batch began with, as PyTorch's DistributedSampler pads a shard, so no example
 * is dropped and no optimizer step runs on the last few rows alone. DL4J re-cuts each worker's rows
 * into minibatches of B + B' rows; a short last batch left a remainder minibatch of 1 to B - 1 rows
 * at the end of its averaging round, where Adam took a full-size step on a handful of rows and
 * whose loss the progress line reported (0.0065 for a 2-row one). Only a partition with fewer
 * examples than one batch still yields a short batch: completing it would repeat rows within it.
 */
final class TowerBatches implements Iterator<MultiDataSet> {
  private final Iterator<TowerExample> examples;
  private final TowerBatcher batcher;
  private final int batchSize;
  private final LongFunction<List<TowerExample>> negatives;
  private long batch;
  private List<TowerExample> first;

  /**
   * @param negatives the mixed negatives of the batch with this 0-based index (an empty list for
   *     none)
   */
  TowerBatches(
      Iterator<TowerExample> examples,
      TowerBatcher batcher,
      int batchSize,
      LongFunction<List<TowerExample>> negatives) {
    this.examples = examples;
    this.batcher = batcher;
    this.batchSize = batchSize;
    this.negatives = negatives;
  }

  @Override
  public boolean hasNext() {
    return examples.hasNext();
  }

  @Override
  public MultiDataSet next() {
    if (!examples.hasNext()) {
      throw new NoSuchElementException("No training examples left to batch in this partition");
    }
    List<TowerExample> batchExamples = new ArrayList<>(batchSize);
    while (examples.hasNext() && batchExamples.size() < batchSize) {
      batchExamples.add(examples.next());
    }
    if (batch == 0) {
      first = batchExamples;
    } else if (batchExamples.size() < batchSize) {
      // The partition's last batch, after a full first one: complete it from that one.
      batchExamples.addAll(first.subList(0, batchSize - batchExamples.size()));
    }
    if (!examples.hasNext()) {
      first = null;
    }
    return batcher.trainingBatch(batchExamples, negatives.apply(batch++));
  }
}
