package io.twotower.towers;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * One epoch's batches laid out in averaging rounds: round r gives each worker its next {@code
 * averagingFrequency} batches, worker w's from partition w. The batches are built once, kept as
 * objects (never serialized) and counted in that same pass; each round then reads only its own
 * batches.
 *
 * <p>Why: DL4J's {@code fitMultiDataSet} counts its RDD, splits it at random into rounds (each
 * random split reads the whole RDD) and fits; with serialized batches every one of those passes
 * deserialized every batch again. A worker that a random split happened to give more than {@code
 * averagingFrequency} batches also silently skipped the rest. Here every round is exact.
 */
final class EpochRounds {
  private final JavaRDD<MultiDataSet> batches;
  private final long[][] examples;
  private final int batchesPerRound;
  private final int rounds;

  private EpochRounds(JavaRDD<MultiDataSet> batches, long[][] examples, int batchesPerRound) {
    this.batches = batches;
    this.examples = examples;
    this.batchesPerRound = batchesPerRound;
    int most = 0;
    for (long[] partition : examples) {
      most = Math.max(most, partition.length);
    }
    this.rounds = (most + batchesPerRound - 1) / batchesPerRound;
  }

  /**
   * Builds and counts {@code batches} in one Spark job and keeps them, in at most {@code workers}
   * partitions (more are coalesced, keeping their order), until {@link #release()}.
   *
   * @param averagingFrequency batches each worker fits per round
   */
  static EpochRounds of(JavaRDD<MultiDataSet> batches, int workers, int averagingFrequency) {
    JavaRDD<MultiDataSet> kept =
        batches.getNumPartitions() > workers ? batches.coalesce(workers) : batches.map(b -> b);
    // Objects, not serialized: a round skips the batches of earlier rounds without reading them,
    // and no batch is ever serialized. ND4J's arrays are off-heap, so the heap holds only their
    // handles; the off-heap memory is one epoch's batches, released with release().
    kept.persist(StorageLevel.MEMORY_ONLY());
    List<long[]> examples =
        kept.mapPartitions(
                (Iterator<MultiDataSet> partition) -> {
                  List<Long> counts = new ArrayList<>();
                  partition.forEachRemaining(batch -> counts.add(SparkTrainer.examples(batch)));
                  return List.of(counts.stream().mapToLong(Long::longValue).toArray()).iterator();
                })
            .collect();
    return new EpochRounds(kept, examples.toArray(new long[0][]), averagingFrequency);
  }

  /** Rounds in this epoch: enough for the partition with the most batches. */
  int rounds() {
    return rounds;
  }

  /**
   * The first round of {@code split} (0-based) of {@code splits}; split s ends where s+1 starts.
   */
  int firstRound(int split, int splits) {
    return (int) ((long) rounds * split / splits);
  }

  /** Examples (rows with a reward > 0) in rounds {@code from} (inclusive) to {@code to}. */
  long examples(int from, int to) {
    long sum = 0;
    for (long[] partition : examples) {
      for (int b = from * batchesPerRound;
          b < Math.min(partition.length, to * batchesPerRound);
          b++) {
        sum += partition[b];
      }
    }
    return sum;
  }

  /** Round {@code round}'s batches: the partition of worker w holds w's batches of the round. */
  JavaRDD<MultiDataSet> round(int round) {
    int skip = round * batchesPerRound;
    int take = batchesPerRound;
    return batches.mapPartitions(partition -> new Slice<>(partition, skip, take));
  }

  /** Drops the kept batches. */
  void release() {
    batches.unpersist(false);
  }

  /** Elements [skip, skip + take) of an iterator. */
  static final class Slice<T> implements Iterator<T> {
    private final Iterator<T> source;
    private int left;

    Slice(Iterator<T> source, int skip, int take) {
      this.source = source;
      for (int i = 0; i < skip && source.hasNext(); i++) {
        source.next();
      }
      this.left = take;
    }

    @Override
    public boolean hasNext() {
      return left > 0 && source.hasNext();
    }

    @Override
    public T next() {
      if (!hasNext()) {
        throw new NoSuchElementException("No batch left in this round");
      }
      left--;
      return source.next();
    }
  }
}
