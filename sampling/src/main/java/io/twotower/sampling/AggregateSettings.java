package io.twotower.sampling;

/**
 * Settings of the aggregate (counting) estimator, validated on construction.
 *
 * @param batchSize training batch size B, at least 1
 * @param halfLifeDays decay half-life in days: a day d of a window ending on day e weighs 0.5^((e -
 *     d) / halfLifeDays). A value {@code <= 0} or {@code +Infinity} means no decay.
 * @param floor the probability given to items with no (or underflowing) occurrences, in (0, 1];
 *     every p is at least this, which keeps log_p finite
 * @param kind which probability becomes the column {@code p}
 */
public record AggregateSettings(
    int batchSize, double halfLifeDays, double floor, ProbabilityKind kind) {

  public AggregateSettings {
    if (batchSize < 1) {
      throw SamplingErrors.invalidSetting("batchSize", batchSize, "an integer >= 1");
    }
    if (Double.isNaN(halfLifeDays)) {
      throw SamplingErrors.invalidSetting(
          "halfLifeDays", halfLifeDays, "a number of days (<= 0 or Infinity: no decay)");
    }
    if (!(floor > 0 && floor <= 1)) {
      throw SamplingErrors.invalidSetting("floor", floor, "a probability in (0, 1]");
    }
    if (kind == null) {
      throw SamplingErrors.invalidSetting("kind", null, "EXPECTED_COUNT or AT_LEAST_ONCE");
    }
  }

  /** Whether days are weighted by recency at all. */
  public boolean decays() {
    return halfLifeDays > 0 && !Double.isInfinite(halfLifeDays);
  }
}
