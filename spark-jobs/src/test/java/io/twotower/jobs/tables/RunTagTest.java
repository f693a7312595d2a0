package io.twotower.jobs.tables;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.DateRange;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class RunTagTest {

  static final LocalDate D1 = LocalDate.parse("2026-01-01");
  static final LocalDate D3 = LocalDate.parse("2026-01-03");

  @Test
  void aTagReadsBackFromTheUserMetadataItWrites() {
    for (DateRange dates :
        new DateRange[] {
          DateRange.ALL, DateRange.day(D1), new DateRange(D1, D3), new DateRange(null, D3)
        }) {
      RunTag tag = RunTag.start("features", dates);
      assertThat(RunTag.fromJson(tag.toJson())).contains(tag);
    }
  }

  @Test
  void commitsOfOtherWritersHaveNoTag() {
    assertThat(RunTag.fromJson(null)).isEmpty();
    assertThat(RunTag.fromJson("")).isEmpty();
    assertThat(RunTag.fromJson("nightly backfill by hand")).isEmpty();
    assertThat(RunTag.fromJson("{\"stage\":\"features\"}")).isEmpty();
    assertThat(RunTag.fromJson("{\"stage\":\"x\",\"dates\":\"tomorrow\",\"run\":\"1\"}")).isEmpty();
  }

  @Test
  void rangesOverlapWhenTheyShareADay() {
    DateRange d1 = DateRange.day(D1);
    DateRange d3 = DateRange.day(D3);
    assertThat(d1.overlaps(d3)).isFalse();
    assertThat(d3.overlaps(d1)).isFalse();
    assertThat(d1.overlaps(d1)).isTrue();
    assertThat(new DateRange(D1, D3).overlaps(DateRange.day(D1.plusDays(1)))).isTrue();
    assertThat(new DateRange(D1, D3).overlaps(DateRange.day(D3))).isTrue();
    assertThat(new DateRange(null, D1).overlaps(d3)).isFalse();
    assertThat(new DateRange(D3, null).overlaps(d1)).isFalse();
    assertThat(DateRange.ALL.overlaps(d1)).isTrue();
    assertThat(d1.overlaps(DateRange.ALL)).isTrue();
  }
}
