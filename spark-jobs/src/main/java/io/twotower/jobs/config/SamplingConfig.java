package io.twotower.jobs.config;

/** How item sampling probabilities p_j are estimated for the logQ correction. */
public record SamplingConfig(Estimator estimator, Kind kind, double halfLifeDays, double floor) {

  public enum Estimator {
    AGGREGATE,
    STREAMING
  }

  public enum Kind {
    EXPECTED_COUNT,
    AT_LEAST_ONCE
  }

  static SamplingConfig from(Settings s) {
    return new SamplingConfig(
        s.oneOf("estimator", Estimator.class),
        s.oneOf("kind", Kind.class),
        s.anyDouble("half-life-days"),
        s.doubleIn("floor", Double.MIN_NORMAL, 1));
  }
}
