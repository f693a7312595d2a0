package io.twotower.jobs.config;

import io.twotower.jobs.JobErrors;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/** Sizes, popularity drift and seed of the built-in synthetic YouTube-like log. */
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
    long seed,
    Drift drift) {

  /**
   * How popularity moves over the days, as on a video platform where uploads keep coming and pull
   * most when new: {@code newItemShare} of the items are uploaded during the log, each on a
   * uniformly drawn day after the first and not watchable before it; an item's pull halves every
   * {@code freshnessHalfLifeDays} days after its upload (the first day for the others; 0: never).
   */
  public record Drift(double newItemShare, double freshnessHalfLifeDays) {

    /** A static world: every item there from the start, its pull constant. */
    public static final Drift NONE = new Drift(0, 0);

    public Drift {
      if (!(newItemShare >= 0 && newItemShare < 1)) {
        throw JobErrors.badConfig("two-tower.synthetic.new-item-share", newItemShare, "in [0, 1)");
      }
      if (!(freshnessHalfLifeDays >= 0)) {
        throw JobErrors.badConfig(
            "two-tower.synthetic.freshness-half-life-days",
            freshnessHalfLifeDays,
            ">= 0 (0: none)");
      }
    }

    public boolean isNone() {
      return newItemShare == 0 && freshnessHalfLifeDays == 0;
    }
  }

  public SyntheticConfig {
    Objects.requireNonNull(drift, "drift");
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
        s.longValue("seed"),
        new Drift(s.doubleValue("new-item-share"), s.doubleValue("freshness-half-life-days")));
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
