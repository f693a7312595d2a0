package io.twotower.sampling;

import java.io.Serializable;

/**
 * An online estimate of how often an item occurs per training step, fed batch by batch. Items are
 * long keys: callers map their ids to longs (a dictionary index or a 64-bit hash of the id).
 *
 * <p>State is {@link Serializable} so a trainer can checkpoint it with {@link
 * EstimatorSnapshots#save} and resume with {@link EstimatorSnapshots#load}.
 */
public interface StreamingFrequencyEstimator extends Serializable {

  /**
   * Feeds the batch of global step {@code step}. Steps must not decrease; each element of {@code
   * batchItems} is one occurrence, so an item listed twice counts twice.
   */
  void update(long step, long[] batchItems);

  /** The estimated expected number of occurrences of {@code item} per step. */
  double estimate(long item);
}
