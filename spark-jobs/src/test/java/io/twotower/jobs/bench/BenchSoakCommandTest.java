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

  /** Peak RSS 1000, 1010, 1020, ... MB: +10 MB/day; heap flat at 300 MB: 0. */
  private static List<Day> days(int n, double rssStepMb) {
    List<Day> days = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      days.add(
          new Day(
              LocalDate.of(2026, 1, 1).plusDays(i),
              Map.of(),
              300_000_000L,
              900_000_000L,
              Math.round((1000 + rssStepMb * i) * 1e6),
              100_000_000L,
              50_000_000L));
    }
    return days;
  }

  @Test
  void slopeIsTheLeastSquaresFitInMegabytesPerDay() {
    assertThat(BenchSoakCommand.slopeMb(days(5, 10), Day::peakRssBytes))
        .isCloseTo(10, within(1e-6));
    assertThat(BenchSoakCommand.slopeMb(days(5, 10), Day::heapAfterGcBytes))
        .isCloseTo(0, within(1e-9));
    assertThat(BenchSoakCommand.slopeMb(days(1, 10), Day::peakRssBytes)).isZero();
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
}
