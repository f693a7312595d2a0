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
 * batch is held at a time, whatever the partition's size.
 *
 * <p>The last batch may be smaller: no example is dropped. DL4J merges it with its neighbours into
 * minibatches of B + B' rows, as it did without mixed negatives; those still hold B' negatives per
 * B examples, since the rows run in the same example/negative pattern.
 */
final class TowerBatches implements Iterator<MultiDataSet> {
  private final Iterator<TowerExample> examples;
  private final TowerBatcher batcher;
  private final int batchSize;
  private final LongFunction<List<TowerExample>> negatives;
  private long batch;

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
    return batcher.trainingBatch(batchExamples, negatives.apply(batch++));
  }
}
