package io.twotower.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.ProgressReporter.Mode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {

  private static final long SECOND = 1_000_000_000L;

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private final AtomicLong nanos = new AtomicLong(5 * SECOND);
  private final Clock clock =
      Clock.fixed(Instant.parse("2026-11-30T18:20:05.750Z"), ZoneOffset.UTC);

  private ProgressReporter reporter(Mode mode) {
    return new ProgressReporter(mode, () -> out, clock, nanos::get);
  }

  private String[] lines() {
    return bytes.toString(StandardCharsets.UTF_8).split(System.lineSeparator(), -1);
  }

  @Test
  void terminalSplitLinesArePlainWithRateLossAndEta() {
    ProgressReporter.Training training = reporter(Mode.TERMINAL).training("train", 2);

    // 2 epochs x 4 splits = 8. After 1 split in 10 s, 7 are left: ETA 7 x 10 s = 70 s.
    nanos.addAndGet(10 * SECOND);
    training.split(0, 0, 4, 12_345, 5678.6, 2.5);
    // After 6 splits in 30 s (5 s each), 2 are left: ETA 10 s.
    nanos.addAndGet(20 * SECOND);
    training.split(1, 1, 4, 999, 1234.4, 0.123456);
    // The last split leaves nothing.
    nanos.addAndGet(10 * SECOND);
    training.split(1, 3, 4, 7, 0.4, 1);

    assertThat(lines())
        .containsExactly(
            "train: epoch 1/2 split 1/4: 12,345 examples, 5,679 examples/s, loss 2.5000, ETA 1m 10s",
            "train: epoch 2/2 split 2/4: 999 examples, 1,234 examples/s, loss 0.1235, ETA 10s",
            "train: epoch 2/2 split 4/4: 7 examples, 0 examples/s, loss 1.0000, ETA 0s",
            "");
  }

  @Test
  void logLinesStartWithTheUtcTimeAndHaveNoCarriageReturn() {
    ProgressReporter reporter = reporter(Mode.LOG);
    ProgressReporter.Training training = reporter.training("train", 1);

    reporter.started("features", 2, 6);
    nanos.addAndGet(3 * SECOND);
    training.split(0, 0, 3, 100, 50, 4);

    assertThat(lines())
        .containsExactly(
            "2026-11-30T18:20:05Z == [2/6] features ==",
            "2026-11-30T18:20:05Z train: epoch 1/1 split 1/3: 100 examples, 50 examples/s,"
                + " loss 4.0000, ETA 6s",
            "");
    assertThat(bytes.toString(StandardCharsets.UTF_8)).doesNotContain("\r");
  }

  @Test
  void terminalSeparatesStagesByABlankLineAndTimedReportsTheWallTime() {
    ProgressReporter reporter = reporter(Mode.TERMINAL);

    reporter.started("ingest", 1, 6);
    double seconds = reporter.timed("ingest", () -> nanos.addAndGet(2_540_000_000L));

    assertThat(seconds).isEqualTo(2.54);
    assertThat(lines()).containsExactly("", "== [1/6] ingest ==", "== ingest done in 2.5 s ==", "");
  }

  @Test
  void timedReportsNothingWhenTheWorkFails() {
    ProgressReporter reporter = reporter(Mode.LOG);

    assertThatThrownBy(
            () ->
                reporter.timed(
                    "train",
                    () -> {
                      throw new IllegalStateException("boom");
                    }))
        .hasMessage("boom");

    // The CLI reports the failure; a "done" line would contradict it.
    assertThat(bytes.size()).isZero();
  }

  @Test
  void durationsAreAsPreciseAsAnEstimateDeserves() {
    assertThat(ProgressReporter.duration(-3)).isEqualTo("0s");
    assertThat(ProgressReporter.duration(59.4)).isEqualTo("59s");
    assertThat(ProgressReporter.duration(59.6)).isEqualTo("1m 00s");
    assertThat(ProgressReporter.duration(187)).isEqualTo("3m 07s");
    assertThat(ProgressReporter.duration(3599)).isEqualTo("59m 59s");
    assertThat(ProgressReporter.duration(3600)).isEqualTo("1h 00m");
    // 3 h 4 min 31 s rounds to the minute.
    assertThat(ProgressReporter.duration(11_071)).isEqualTo("3h 05m");
  }
}
