package io.twotower.jobs.config;

import io.twotower.jobs.JobErrors;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** Sizes and seed of the built-in synthetic YouTube-like log. */
public record SyntheticConfig(
    int users,
    int items,
    int channels,
    int topics,
    double eventsPerUser,
    int days,
    LocalDate startDate,
    double zipfExponent,
    double channelStickiness,
    long seed) {

  public SyntheticConfig {
    if (channels > items) {
      throw JobErrors.badConfig(
          "two-tower.synthetic.channels", channels, "at most synthetic.items (" + items + ")");
    }
  }

  static SyntheticConfig from(Settings s) {
    return new SyntheticConfig(
        s.positiveInt("users"),
        s.positiveInt("items"),
        s.positiveInt("channels"),
        s.positiveInt("topics"),
        s.positiveDouble("events-per-user"),
        s.positiveInt("days"),
        date(s, "start-date"),
        s.positiveDouble("zipf-exponent"),
        s.doubleIn("channel-stickiness", 0, 1),
        s.longValue("seed"));
  }

  static LocalDate date(Settings s, String key) {
    String raw = s.string(key);
    try {
      return LocalDate.parse(raw);
    } catch (DateTimeParseException e) {
      throw JobErrors.badConfig("two-tower.synthetic." + key, raw, "a date as yyyy-MM-dd");
    }
  }
}
