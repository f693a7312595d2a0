package io.twotower.jobs.train;

import io.twotower.jobs.JobErrors;
import io.twotower.jobs.JobException;
import io.twotower.towers.TowerExample;
import io.twotower.towers.UniformItemSampler;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The mixed negatives of every batch ({@code train.mixed-negatives}): B' items drawn uniformly from
 * the broadcast item corpus, with a seed derived from the run's seed, the epoch, the Spark
 * partition and the batch's index in it, so that a recomputed partition draws the same negatives
 * again and every epoch draws new ones.
 */
final class MixedNegativeDraws implements Serializable {
  private static final String KEY = "two-tower.train.mixed-negatives";

  private final Broadcast<UniformItemSampler> corpus;
  private final int count;
  private final long seed;

  private MixedNegativeDraws(Broadcast<UniformItemSampler> corpus, int count, long seed) {
    this.corpus = corpus;
    this.count = count;
    this.seed = seed;
  }

  /** No mixed negatives: every batch holds its examples only. */
  static MixedNegativeDraws none() {
    return new MixedNegativeDraws(null, 0, 0);
  }

  /**
   * {@code count} negatives per batch from {@code corpus}, broadcast once.
   *
   * @throws JobException if {@code count} exceeds the corpus: the negatives of a batch are distinct
   */
  static MixedNegativeDraws of(
      JavaSparkContext sc, UniformItemSampler corpus, int count, long seed) {
    if (count > corpus.corpusSize()) {
      throw JobErrors.badConfig(
          KEY,
          count,
          "0.."
              + corpus.corpusSize()
              + " (the items in item_features: a batch's mixed negatives are distinct items)");
    }
    return new MixedNegativeDraws(sc.broadcast(corpus), count, seed);
  }

  /** B', the negatives appended to every batch. */
  int count() {
    return count;
  }

  /** The negatives of batch {@code batch} (0-based) of Spark partition {@code partition}. */
  List<TowerExample> forBatch(int epoch, int partition, long batch) {
    return count == 0
        ? List.of()
        : corpus.value().sample(count, batchSeed(seed, epoch, partition, batch));
  }

  /**
   * SplitMix64's finaliser applied over the parts in turn: neighbouring (epoch, partition, batch)
   * triples get unrelated seeds, and no two of a run coincide in practice.
   */
  static long batchSeed(long seed, int epoch, int partition, long batch) {
    return mix(mix(mix(mix(seed) + epoch) + partition) + batch);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
