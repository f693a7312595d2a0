package io.twotower.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.train.DailyTraining.Step;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DailyTrainingTest {
  private static final LocalDate JAN_1 = LocalDate.of(2026, 1, 1);
  private static final LocalDate JAN_2 = JAN_1.plusDays(1);
  private static final LocalDate JAN_3 = JAN_1.plusDays(2);
  private static final LocalDate JAN_5 = JAN_1.plusDays(4);
  // Training examples on the 1st, 2nd, 3rd and 5th (none on the 4th).
  private static final List<LocalDate> DAYS = List.of(JAN_1, JAN_2, JAN_3, JAN_5);

  @Test
  void aFirstRunBootstrapsOnAllEarlierDaysAtOnceThenTrainsItsDay() {
    assertThat(DailyTraining.plan(DAYS, JAN_5, Optional.empty(), 0))
        .containsExactly(
            new Step(new DateRange(null, JAN_5.minusDays(1)), true), day(JAN_5, JAN_5));
  }

  @Test
  void aFirstRunOnTheFirstDayHasNothingToBootstrapOn() {
    assertThat(DailyTraining.plan(DAYS.subList(0, 1), JAN_1, Optional.empty(), 0))
        .containsExactly(day(JAN_1, JAN_1));
  }

  @Test
  void continuesAfterThePreviousModelCatchingUpMissedDaysAndSkippingEmptyOnes() {
    // The last model trained through the 1st; the run asks for the 5th: the 2nd and 3rd were
    // missed, the 4th has nothing to train on.
    assertThat(DailyTraining.plan(DAYS, JAN_5, Optional.of(JAN_1), 0))
        .containsExactly(day(JAN_2, JAN_2), day(JAN_3, JAN_3), day(JAN_5, JAN_5));
  }

  @Test
  void replayWidensEachDaysWindowByCalendarDays() {
    assertThat(DailyTraining.plan(DAYS.subList(0, 3), JAN_3, Optional.of(JAN_2), 2))
        .containsExactly(day(JAN_1, JAN_3));
  }

  @Test
  void nothingAfterThePreviousModelIsNoTraining() {
    assertThat(DailyTraining.plan(DAYS.subList(0, 3), JAN_5, Optional.of(JAN_3), 0)).isEmpty();
  }

  private static Step day(LocalDate from, LocalDate to) {
    return new Step(new DateRange(from, to), false);
  }
}
