package io.twotower.sampling;

/**
 * Which notion of "probability that item j is in a batch" p_j the logQ correction uses. With q_j
 * the item's share of occurrences and B the batch size (B independent draws per batch):
 *
 * <ul>
 *   <li>{@link #EXPECTED_COUNT}: p_j = B * q_j, the expected number of occurrences of j per batch.
 *       This is the sampled-softmax correction when each occurrence is its own logit column, and
 *       what the streaming estimator's 1/B converges to. It can exceed 1 for head items.
 *   <li>{@link #AT_LEAST_ONCE}: p_j = 1 - (1 - q_j)^B, the probability that j appears at all. Equal
 *       to B * q_j to first order for tail items, saturates at 1 for head items.
 * </ul>
 */
public enum ProbabilityKind {
  EXPECTED_COUNT,
  AT_LEAST_ONCE
}
