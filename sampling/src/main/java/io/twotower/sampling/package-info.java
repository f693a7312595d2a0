/**
 * Estimates of p_j, how often item j appears in a training batch, for the logQ correction of the
 * in-batch softmax (Yi et al., RecSys 2019).
 *
 * <ul>
 *   <li>Aggregate, on Spark: {@link io.twotower.sampling.ItemSamplingProbabilities} counts a window
 *       of days (decayed, from raw events or from {@code dailyCounts}) with {@link
 *       io.twotower.sampling.AggregateSettings}; {@link io.twotower.sampling.ItemEventValidation}
 *       quarantines rows it would reject.
 *   <li>Streaming, plain Java: {@link io.twotower.sampling.HashedGapEstimator} is the paper's
 *       Algorithm 2 with m hashes; {@link io.twotower.sampling.WindowedCountEstimator} counts
 *       exactly on the same stream for comparison; {@link io.twotower.sampling.EstimatorSnapshots}
 *       checkpoints either.
 *   <li>The paper's simulation: {@link io.twotower.sampling.SamplingSimulation} returns the error
 *       series and its plateau and recovery ({@link io.twotower.sampling.RecoveryCriterion}).
 * </ul>
 */
package io.twotower.sampling;
