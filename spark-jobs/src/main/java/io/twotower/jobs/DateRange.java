package io.twotower.jobs;

import static org.apache.spark.sql.functions.lit;

import java.sql.Date;
import java.time.LocalDate;
import java.util.Optional;
import org.apache.spark.sql.Column;

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

  /** Whether the two ranges share a day (ALL shares every day). */
  public boolean overlaps(DateRange other) {
    boolean endsBefore = to != null && other.from != null && to.isBefore(other.from);
    boolean startsAfter = from != null && other.to != null && from.isAfter(other.to);
    return !endsBefore && !startsAfter;
  }

  /** Whether {@code day} (a DATE column) lies in the range: the filter every job uses. */
  public Column includes(Column day) {
    Column notBefore = from == null ? lit(true) : day.geq(lit(Date.valueOf(from)));
    Column notAfter = to == null ? lit(true) : day.leq(lit(Date.valueOf(to)));
    return notBefore.and(notAfter);
  }

  /**
   * The same condition as SQL text on {@code column}, or empty for ALL: only for Delta's {@code
   * replaceWhere} option, which takes a string; filters use {@link #includes}.
   */
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

  /**
   * The range {@link #toString()} wrote, e.g. from a model's metadata: {@code all days}, {@code
   * 2026-01-01 to 2026-01-05}, {@code .. to 2026-01-05}, {@code 2026-01-03 to ..}.
   */
  public static DateRange parse(String text) {
    if (text.equals(ALL.toString())) {
      return ALL;
    }
    String[] ends = text.split(" to ", -1);
    if (ends.length != 2) {
      throw new IllegalArgumentException("not a date range as DateRange writes it: " + text);
    }
    return new DateRange(
        ends[0].equals("..") ? null : LocalDate.parse(ends[0]),
        ends[1].equals("..") ? null : LocalDate.parse(ends[1]));
  }

  @Override
  public String toString() {
    return isAll() ? "all days" : (from == null ? ".." : from) + " to " + (to == null ? ".." : to);
  }
}
