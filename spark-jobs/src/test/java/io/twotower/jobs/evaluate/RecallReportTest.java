package io.twotower.jobs.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.evaluate.RecallAtK.Recall;
import java.sql.Date;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class RecallReportTest {

  private static RecallReport report() {
    return report("held-out", DateRange.ALL);
  }

  private static RecallReport report(String protocol, DateRange testDays) {
    Map<String, Recall> methods = new LinkedHashMap<>();
    methods.put("two-tower", new Recall(610, 3, List.of(0.0721, 0.25)));
    methods.put("popularity", new Recall(610, 3, List.of(0.043, 0.125)));
    return new RecallReport(
        "e1",
        Instant.parse("2026-11-28T10:00:00Z"),
        "m1",
        "leave-last-out",
        protocol,
        testDays,
        List.of(10, 50),
        methods);
  }

  @Test
  void printsOneLinePerMethodAndOneColumnPerK() {
    assertThat(report().table().lines())
        .containsExactly(
            "Recall@K on leave-last-out (610 held-out events, model m1)",
            "method       R@10    R@50",
            "two-tower    0.0721  0.2500",
            "popularity   0.0430  0.1250",
            "(3 held-out items had been consumed before: excluded from ranking, counted as misses)");
  }

  @Test
  void namesTheTestDayUnderTheNextDayProtocol() {
    RecallReport nextDay = report("next-day", DateRange.day(LocalDate.of(2026, 1, 8)));

    assertThat(nextDay.table().lines())
        .startsWith("Recall@K on next-day 2026-01-08 (610 next-day events, model m1)")
        .endsWith(
            "(3 next-day items had been consumed before: excluded from ranking, counted as misses)");
    Row row = nextDay.rows().get(0);
    assertThat(List.of(row.get(8), row.get(9), row.get(10)))
        .containsExactly("next-day", Date.valueOf("2026-01-08"), Date.valueOf("2026-01-08"));
    Row heldOut = report().rows().get(0);
    assertThat(heldOut.get(8)).isEqualTo("held-out");
    assertThat(heldOut.isNullAt(9) && heldOut.isNullAt(10)).isTrue();
  }

  @Test
  void givesOneEvaluationsRowPerMethodAndK() {
    List<Row> rows = report().rows();

    assertThat(rows).hasSize(4);
    Row last = rows.get(3);
    assertThat(last.getTimestamp(1).toInstant()).isEqualTo(Instant.parse("2026-11-28T10:00:00Z"));
    assertThat(List.of(last.get(0), last.get(2), last.get(3), last.get(4), last.get(5)))
        .containsExactly("e1", "m1", "popularity", "leave-last-out", 50);
    assertThat(last.getDouble(6)).isEqualTo(0.125);
    assertThat(last.getLong(7)).isEqualTo(610L);
    assertThat(report().recall("popularity", 10)).isEqualTo(0.043);
  }
}
