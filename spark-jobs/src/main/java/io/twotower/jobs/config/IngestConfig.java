package io.twotower.jobs.config;

import io.twotower.jobs.JobErrors;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The bounds ingest checks rows against (reference.conf, {@code ingest}). A row outside them is
 * quarantined with its reason; a run quarantining more than {@code maxBadFraction} of its rows
 * fails before it writes.
 *
 * @param futureTolerance how far after the run's date an event may lie (clock skew, late time
 *     zones); later ones are quarantined
 * @param earliestTimestamp events before this instant are quarantined (negative epoch seconds among
 *     them)
 * @param maxIdLength longest user_id or item_id, in characters
 * @param maxBadFraction share of quarantined events or items above which the run fails, in [0, 1]
 * @param maxEventsPerUserDay a user with more valid events in one day has that day quarantined; 0 =
 *     no bound
 */
public record IngestConfig(
    Duration futureTolerance,
    Instant earliestTimestamp,
    int maxIdLength,
    double maxBadFraction,
    int maxEventsPerUserDay) {

  static IngestConfig from(Settings s) {
    return new IngestConfig(
        s.nonNegativeDuration("future-tolerance"),
        instant(s, "earliest-timestamp"),
        s.positiveInt("max-id-length"),
        s.doubleIn("max-bad-fraction", 0, 1),
        s.nonNegativeInt("max-events-per-user-day"));
  }

  /** The latest event time a run over days ending on {@code lastDay} (null: now) accepts. */
  public Instant latestAllowed(LocalDate lastDay, Instant now) {
    Instant end =
        lastDay == null ? now : lastDay.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    return end.plus(futureTolerance);
  }

  /** An ISO-8601 instant ({@code 1970-01-01T00:00:00Z}) or a date (its start, UTC). */
  private static Instant instant(Settings s, String key) {
    String value = s.string(key).trim();
    try {
      return value.contains("T")
          ? Instant.parse(value)
          : LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      throw JobErrors.badConfig(
          "two-tower.ingest." + key, value, "an ISO-8601 instant or date, e.g. 1970-01-01");
    }
  }
}
