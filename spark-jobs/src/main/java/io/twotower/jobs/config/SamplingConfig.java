package io.twotower.jobs.config;

/**
 * How item sampling probabilities p_j are estimated for the logQ correction.
 *
 * @param windowDays the aggregate estimate combines the daily counts of the last windowDays days
 *     ending on the window's last day
 * @param streaming settings of the streaming (hashed gap) estimator
 */
public record SamplingConfig(
    Estimator estimator,
    Kind kind,
    double halfLifeDays,
    double floor,
    int windowDays,
    Streaming streaming) {

  public enum Estimator {
    AGGREGATE,
    STREAMING
  }

  public enum Kind {
    EXPECTED_COUNT,
    AT_LEAST_ONCE
  }

  /**
   * The paper's Algorithm 2 with m hashes.
   *
   * @param learningRate alpha in (0, 1)
   * @param hashCount m >= 1
   * @param bucketsPerHash H >= 1, the size of each of the m pairs of arrays
   * @param initialGap initial B entries (> 0); an item's first estimate starts from 1 / initialGap
   * @param hashSeed seed of the m hash functions (part of the saved state)
   */
  public record Streaming(
      double learningRate, int hashCount, int bucketsPerHash, double initialGap, long hashSeed) {

    static Streaming from(Settings s) {
      return new Streaming(
          s.doubleIn("alpha", Double.MIN_NORMAL, 1 - 1e-9),
          s.positiveInt("hash-count"),
          s.positiveInt("buckets-per-hash"),
          s.positiveDouble("initial-gap"),
          s.longValue("hash-seed"));
    }
  }

  static SamplingConfig from(Settings s) {
    return new SamplingConfig(
        s.enumValue("estimator", Estimator.class),
        s.enumValue("kind", Kind.class),
        s.doubleValue("half-life-days"),
        s.doubleIn("floor", Double.MIN_NORMAL, 1),
        s.positiveInt("window-days"),
        Streaming.from(s.child("streaming")));
  }
}
