package io.twotower.jobs;

import java.time.LocalDate;
import java.util.Optional;

/**
 * The days a run works on: one day (Airflow's {@code {{ ds }}} passed as --date), an inclusive
 * range (--from/--to), or everything (neither given).
 */
public record DateRange(LocalDate from, LocalDate to) {

  public static final DateRange ALL = new DateRange(null, null);

  public DateRange {
    if (from != null && to != null && from.isAfter(to)) {
      throw JobErrors.emptyDateRange(from, to);
    }
  }

  public static DateRange day(LocalDate day) {
    return new DateRange(day, day);
  }

  public boolean isAll() {
    return from == null && to == null;
  }

  /** A SQL predicate on {@code column} (a DATE) selecting the range, or empty for ALL. */
  public Optional<String> predicate(String column) {
    if (isAll()) {
      return Optional.empty();
    }
    if (from != null && to != null) {
      return Optional.of(column + " >= DATE'" + from + "' AND " + column + " <= DATE'" + to + "'");
    }
    return Optional.of(
        from != null ? column + " >= DATE'" + from + "'" : column + " <= DATE'" + to + "'");
  }

  @Override
  public String toString() {
    return isAll() ? "all days" : (from == null ? ".." : from) + " to " + (to == null ? ".." : to);
  }
}
