package io.twotower.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.twotower.jobs.bench.BenchSoakCommand.Day;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchSoakCommandTest {

  /** RSS after GC 1000, 1010, 1020, ... MB: +10 MB/day; peak 500 MB above it; heap flat: 0. */
  private static List<Day> days(int n, double rssStepMb) {
    return days(n, rssStepMb, 0);
  }

  /** As {@link #days(int, double)}, the peak growing {@code extraPeakStepMb} more per day. */
  private static List<Day> days(int n, double rssStepMb, double extraPeakStepMb) {
    List<Day> days = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long rss = Math.round((1000 + rssStepMb * i) * 1e6);
      days.add(
          new Day(
              LocalDate.of(2026, 1, 1).plusDays(i),
              Map.of(),
              300_000_000L,
              rss,
              rss + Math.round((500 + extraPeakStepMb * i) * 1e6),
              100_000_000L,
              50_000_000L));
    }
    return days;
  }

  @Test
  void slopeIsTheLeastSquaresFitInMegabytesPerDay() {
    assertThat(BenchSoakCommand.slopeMb(days(5, 10), Day::rssBytes)).isCloseTo(10, within(1e-6));
    assertThat(BenchSoakCommand.slopeMb(days(5, 10), Day::heapAfterGcBytes))
        .isCloseTo(0, within(1e-9));
    assertThat(BenchSoakCommand.slopeMb(days(1, 10), Day::rssBytes)).isZero();
  }

  @Test
  void growthAboveTheRuleAfterTheWarmUpIsGrowth() {
    BenchSoakCommand bench = new BenchSoakCommand();
    bench.maxSlopeMb = 16;
    bench.warmUpDays = 2;
    assertThat(bench.verdict(days(14, 10)).noGrowth()).isTrue();
    assertThat(bench.verdict(days(14, 20)).noGrowth()).isFalse();
    // A first day far below the rest (warm-up) is left out of the fit.
    List<Day> warm = new ArrayList<>(days(14, 0));
    warm.set(0, new Day(warm.get(0).day(), Map.of(), 100_000_000L, 1, 1, 1, 1));
    assertThat(bench.verdict(warm).noGrowth()).isTrue();
  }

  @Test
  void thePeakIsReportedButOnlyHeapAndRssAfterGcDecide() {
    BenchSoakCommand bench = new BenchSoakCommand();
    bench.maxSlopeMb = 16;
    bench.warmUpDays = 2;

    // Garbage awaiting the GC lifts the peak by 40 MB more each day; what stays does not grow.
    BenchSoakCommand.Soak soak = bench.verdict(days(14, 0, 40));

    assertThat(soak.peakRssSlopeMb()).isCloseTo(40, within(1e-6));
    assertThat(soak.rssSlopeMb()).isCloseTo(0, within(1e-9));
    assertThat(soak.noGrowth()).isTrue();
    assertThat(bench.table(soak)).contains("peak RSS +40.0 MB/day").contains("-> no growth");
  }
}
