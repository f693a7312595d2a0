package io.twotower.jobs.ingest;

import static io.twotower.jobs.tables.Table.Columns.COUNT;
import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import io.twotower.jobs.DateRange;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What one ingest run read, kept and quarantined. Days and per-day counts cover the valid events of
 * this run (with a date range: of those days only).
 */
public record IngestReport(
    String source,
    DateRange dates,
    long eventsRead,
    long eventsValid,
    Map<String, Long> eventsQuarantined,
    long itemsRead,
    long itemsValid,
    Map<String, Long> itemsQuarantined,
    long users,
    long itemsWithEvents,
    LocalDate firstDay,
    LocalDate lastDay,
    long days,
    long minEventsPerDay,
    long maxEventsPerDay) {

  /** Counts over a validated log (persist it first: this runs four Spark jobs). */
  public static IngestReport of(String source, DateRange dates, ValidatedLog log) {
    Map<String, Long> eventReasons = new TreeMap<>();
    long eventsRead = countByReason(log.checkedEvents(), eventReasons);
    Map<String, Long> itemReasons = new TreeMap<>();
    long itemsRead = countByReason(log.checkedItems(), itemReasons);
    Row totals =
        log.events()
            .agg(
                count("*"),
                countDistinct(col(USER_ID)),
                countDistinct(col(ITEM_ID)),
                min(DT),
                max(DT))
            .head();
    Row perDay = log.events().groupBy(DT).count().agg(count("*"), min(COUNT), max(COUNT)).head();
    return new IngestReport(
        source,
        dates,
        eventsRead,
        totals.getLong(0),
        eventReasons,
        itemsRead,
        itemsRead - itemReasons.values().stream().mapToLong(Long::longValue).sum(),
        itemReasons,
        totals.getLong(1),
        totals.getLong(2),
        totals.isNullAt(3) ? null : totals.getDate(3).toLocalDate(),
        totals.isNullAt(4) ? null : totals.getDate(4).toLocalDate(),
        perDay.getLong(0),
        perDay.isNullAt(1) ? 0 : perDay.getLong(1),
        perDay.isNullAt(2) ? 0 : perDay.getLong(2));
  }

  public long eventsQuarantinedTotal() {
    return eventsQuarantined.values().stream().mapToLong(Long::longValue).sum();
  }

  public long itemsQuarantinedTotal() {
    return itemsQuarantined.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The larger of the quarantined shares of events and of items; 0 when nothing was read. */
  public double badFraction() {
    return Math.max(
        share(eventsQuarantinedTotal(), eventsRead), share(itemsQuarantinedTotal(), itemsRead));
  }

  /** What {@link #badFraction()} is made of, in words, for the error that quotes it. */
  public String badFractionSummary() {
    return String.format(
        "%,d of %,d events (%.1f%%: %s) and %,d of %,d items (%.1f%%: %s)",
        eventsQuarantinedTotal(),
        eventsRead,
        100 * share(eventsQuarantinedTotal(), eventsRead),
        reasons(eventsQuarantined),
        itemsQuarantinedTotal(),
        itemsRead,
        100 * share(itemsQuarantinedTotal(), itemsRead),
        reasons(itemsQuarantined));
  }

  private static double share(long part, long whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }

  private static String reasons(Map<String, Long> counts) {
    return counts.isEmpty()
        ? "none"
        : String.join(
            ", ",
            counts.entrySet().stream()
                .map(e -> String.format("%,d %s", e.getValue(), e.getKey()))
                .toList());
  }

  /** The report as printed by the job. */
  public List<String> lines() {
    List<String> lines = new ArrayList<>();
    lines.add("ingest " + source + " (" + dates + ")");
    lines.add(
        String.format(
            "  events: %,d read, %,d valid, %,d quarantined",
            eventsRead, eventsValid, eventsQuarantinedTotal()));
    eventsQuarantined.forEach((reason, n) -> lines.add(String.format("    %,d %s", n, reason)));
    lines.add(
        String.format(
            "  items:  %,d read, %,d valid, %,d quarantined",
            itemsRead, itemsValid, itemsQuarantinedTotal()));
    itemsQuarantined.forEach((reason, n) -> lines.add(String.format("    %,d %s", n, reason)));
    lines.add(
        String.format(
            "  %,d users and %,d items with events; %s to %s: %,d days with events,"
                + " %,d to %,d events per day",
            users, itemsWithEvents, firstDay, lastDay, days, minEventsPerDay, maxEventsPerDay));
    return lines;
  }

  /** Puts the count of each non-null reason into {@code reasons}; returns the number of rows. */
  private static long countByReason(Dataset<Row> checked, Map<String, Long> reasons) {
    long rows = 0;
    for (Row row : checked.groupBy(IngestValidation.REASON).count().collectAsList()) {
      rows += row.getLong(1);
      if (!row.isNullAt(0)) {
        reasons.put(row.getString(0), row.getLong(1));
      }
    }
    return rows;
  }
}
