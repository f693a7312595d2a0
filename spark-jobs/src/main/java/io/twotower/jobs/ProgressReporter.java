package io.twotower.jobs;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The one writer of interactive progress lines: which stage runs, its wall time, and during
 * training split i of n with examples/s, loss and ETA. What operators read later (what was read,
 * counts, settings, model ids, warnings) goes to each class's SLF4J logger instead, and a command's
 * result (a Recall table) to plain stdout.
 *
 * <p>On a terminal the lines are short and plain; anywhere else (spark-submit, Airflow task logs, a
 * file) each line starts with an ISO-8601 UTC timestamp, since those logs are read after the fact.
 * Neither mode writes carriage returns, so a log never holds a half-overwritten line.
 */
public final class ProgressReporter {

  /** Where the lines are read. */
  public enum Mode {
    /** stdout is a terminal: plain lines, a blank line before each stage. */
    TERMINAL,
    /** stdout goes to a log: every line timestamped. */
    LOG
  }

  // On Java 17 System.console() is null unless stdin and stdout are both terminals. From Java 22
  // it may be non-null when redirected: Console.isTerminal() is the test there.
  private static final ProgressReporter CONSOLE =
      new ProgressReporter(
          System.console() != null ? Mode.TERMINAL : Mode.LOG,
          () -> System.out,
          Clock.systemUTC(),
          System::nanoTime);

  private final Mode mode;
  private final Supplier<PrintStream> out;
  private final Clock clock;
  private final LongSupplier nanoTime;

  /**
   * @param out looked up on every line, so a {@code System.setOut} after start-up is followed
   */
  ProgressReporter(Mode mode, Supplier<PrintStream> out, Clock clock, LongSupplier nanoTime) {
    this.mode = mode;
    this.out = out;
    this.clock = clock;
    this.nanoTime = nanoTime;
  }

  /** The reporter on this JVM's stdout, in the mode that suits it. */
  public static ProgressReporter console() {
    return CONSOLE;
  }

  /** {@code == [index/count] name ==}: the start of one of several steps (1-based index). */
  public void started(String name, int index, int count) {
    if (mode == Mode.TERMINAL) {
      out.get().println();
    }
    line(String.format(Locale.ROOT, "== [%d/%d] %s ==", index, count, name));
  }

  /** {@code == name done in 12.3 s ==}. */
  public void finished(String name, double seconds) {
    line(String.format(Locale.ROOT, "== %s done in %.1f s ==", name, seconds));
  }

  /**
   * Runs {@code work}, then reports its wall time as {@link #finished}; nothing when it throws.
   *
   * @return the wall time in seconds
   */
  public double timed(String name, Runnable work) {
    long start = nanoTime.getAsLong();
    work.run();
    double seconds = (nanoTime.getAsLong() - start) / 1e9;
    finished(name, seconds);
    return seconds;
  }

  /**
   * A training run of {@code epochs} epochs starting now: its ETA is the mean wall time per split
   * so far times the splits left, so it includes each epoch's shuffle and the first split's
   * warm-up.
   */
  public Training training(String stage, int epochs) {
    return new Training(stage, epochs, nanoTime.getAsLong());
  }

  /** One training run's split lines. */
  public final class Training {
    private final String stage;
    private final int epochs;
    private final long start;

    private Training(String stage, int epochs, long start) {
      this.stage = stage;
      this.epochs = epochs;
      this.start = start;
    }

    /**
     * @param epoch 0-based epoch
     * @param split 0-based split within the epoch
     * @param splits splits per epoch
     * @param examples examples trained on in this split
     * @param examplesPerSecond throughput of this split
     * @param loss mean loss per example
     */
    public void split(
        int epoch, int split, int splits, long examples, double examplesPerSecond, double loss) {
      long done = (long) epoch * splits + split + 1;
      long left = (long) epochs * splits - done;
      double elapsed = (nanoTime.getAsLong() - start) / 1e9;
      line(
          String.format(
              Locale.ROOT,
              "%s: epoch %d/%d split %d/%d: %,d examples, %,.0f examples/s, loss %.4f, ETA %s",
              stage,
              epoch + 1,
              epochs,
              split + 1,
              splits,
              examples,
              examplesPerSecond,
              loss,
              duration(elapsed / done * left)));
    }
  }

  /** {@code 42s}, {@code 3m 07s}, {@code 1h 05m}: as precise as an estimate deserves. */
  static String duration(double seconds) {
    long s = Math.round(Math.max(0, seconds));
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
    }
    long minutes = Math.round(s / 60.0);
    return String.format(Locale.ROOT, "%dh %02dm", minutes / 60, minutes % 60);
  }

  private void line(String text) {
    if (mode == Mode.LOG) {
      Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
      out.get().println(now + " " + text);
    } else {
      out.get().println(text);
    }
  }
}
