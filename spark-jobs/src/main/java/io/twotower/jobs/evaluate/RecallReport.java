package io.twotower.jobs.evaluate;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.evaluate.RecallAtK.Recall;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * One evaluation run: Recall@K per method on the same held-out pairs, as printed and as appended to
 * the {@code evaluations} table.
 *
 * @param split features.split, the split the training examples were made with
 * @param protocol evaluate.protocol as written in the config: held-out or next-day
 * @param testDays the days of the test events (held-out: the days asked for; next-day: D + 1)
 * @param methods recall per method name, in print order
 */
public record RecallReport(
    String evaluationId,
    Instant evaluatedAt,
    String modelId,
    String split,
    String protocol,
    DateRange testDays,
    List<Integer> ks,
    Map<String, Recall> methods) {

  public static final String NEXT_DAY = "next-day";

  public RecallReport {
    ks = List.copyOf(ks);
    methods = new LinkedHashMap<>(methods);
  }

  /** Recall@k of {@code method}; k must be one of {@link #ks()}. */
  public double recall(String method, int k) {
    int at = ks.indexOf(k);
    Recall recall = methods.get(method);
    if (at < 0 || recall == null) {
      throw new IllegalArgumentException("no Recall@" + k + " for " + method + " in " + this);
    }
    return recall.recall().get(at);
  }

  /** Held-out pairs evaluated (the same for every method). */
  public long queries() {
    return methods.values().iterator().next().queries();
  }

  /** Rows for the {@code evaluations} table, one per method and K. */
  public List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    Timestamp at = Timestamp.from(evaluatedAt);
    methods.forEach(
        (method, recall) -> {
          for (int i = 0; i < ks.size(); i++) {
            rows.add(
                RowFactory.create(
                    evaluationId,
                    at,
                    modelId,
                    method,
                    split,
                    ks.get(i),
                    recall.recall().get(i),
                    recall.queries(),
                    protocol,
                    testDays.from() == null ? null : Date.valueOf(testDays.from()),
                    testDays.to() == null ? null : Date.valueOf(testDays.to())));
          }
        });
    return rows;
  }

  /** What the test events are called in the table. */
  private String events() {
    return protocol.equals(NEXT_DAY) ? "next-day" : "held-out";
  }

  /** The console table: one line per method, one column per K. */
  public String table() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "Recall@K on %s (%d %s events, model %s)%n",
            protocol.equals(NEXT_DAY) ? NEXT_DAY + " " + testDays.from() : split,
            queries(),
            events(),
            modelId));
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-12s", "method"));
    ks.forEach(k -> header.append(String.format(Locale.ROOT, " %-7s", "R@" + k)));
    out.append(header.toString().stripTrailing()).append(System.lineSeparator());
    methods.forEach(
        (method, recall) -> {
          StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-12s", method));
          recall.recall().forEach(r -> line.append(String.format(Locale.ROOT, " %-7.4f", r)));
          out.append(line.toString().stripTrailing()).append(System.lineSeparator());
        });
    long excluded = methods.values().iterator().next().excludedTargets();
    if (excluded > 0) {
      out.append(
          String.format(
              Locale.ROOT,
              "(%d %s items had been consumed before: excluded from ranking, counted as"
                  + " misses)%n",
              excluded,
              events()));
    }
    return out.toString();
  }
}
