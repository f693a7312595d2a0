package io.twotower.jobs.config;

import io.twotower.jobs.JobErrors;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How events become training examples.
 *
 * @param userFields STRING columns of the {@code users} table that become the query tower's user
 *     fields (each example's {@code user_field_idx}); empty: none, the query is the history alone
 */
public record FeaturesConfig(
    int historyLength,
    int minCount,
    int oovBuckets,
    Reward reward,
    Split split,
    int testDays,
    int testEvents,
    List<String> userFields) {

  private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

  public FeaturesConfig {
    Set<String> seen = new HashSet<>();
    for (String field : userFields) {
      if (!FIELD_NAME.matcher(field).matches()
          || field.equals("user_id")
          || !seen.add(field.toLowerCase(Locale.ROOT))) {
        throw JobErrors.badConfig(
            "two-tower.features.user-fields",
            userFields,
            "distinct column names of the users table besides user_id (a letter, then up to 63"
                + " letters, digits or '_'), e.g. [region]; [] for none");
      }
    }
    userFields = List.copyOf(userFields);
  }

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
        s.enumValue("reward", Reward.class),
        s.enumValue("split", Split.class),
        s.positiveInt("test-days"),
        s.positiveInt("test-events"),
        s.strings("user-fields"));
  }
}
