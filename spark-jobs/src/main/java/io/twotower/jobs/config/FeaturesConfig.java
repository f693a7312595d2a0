package io.twotower.jobs.config;

/** How events become training examples. */
public record FeaturesConfig(
    int historyLength,
    int minCount,
    int oovBuckets,
    Reward reward,
    Split split,
    int testDays,
    int testEvents) {

  /** Reward r_i from an event's engagement. */
  public enum Reward {
    CONSTANT,
    ENGAGEMENT,
    LOG1P
  }

  /** Which events are held out for evaluation. */
  public enum Split {
    LEAVE_LAST_OUT,
    LEAVE_LAST_N_OUT,
    LAST_DAYS
  }

  /** The split as written in the config file; leave-last-n-out names its N (leave-last-5-out). */
  public String splitName() {
    String name = split.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    return split == Split.LEAVE_LAST_N_OUT ? name.replace("-n-", "-" + testEvents + "-") : name;
  }

  static FeaturesConfig from(Settings s) {
    return new FeaturesConfig(
        s.positiveInt("history-length"),
        s.positiveInt("min-count"),
        s.positiveInt("oov-buckets"),
        s.oneOf("reward", Reward.class),
        s.oneOf("split", Split.class),
        s.positiveInt("test-days"),
        s.positiveInt("test-events"));
  }
}
