package io.twotower.towers;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Drops the line that ND4J 1.0.0-M2.1's SameDiff prints for every op each time it builds a gradient
 * function ({@code Added differentiated op <name>}). It is an unconditional {@code
 * System.out.println} in {@code SameDiff.createGradFunction}, not a log statement, so no log level
 * can silence it; and parameter averaging builds the gradient function again in every worker's copy
 * of the model for every split, about 1,700 lines in a training run on ml-100k, which bury the
 * progress lines. Every other write to {@code System.out} passes through unchanged.
 */
final class SameDiffConsoleNoise {

  static final String PREFIX = "Added differentiated op ";

  private SameDiffConsoleNoise() {}

  /**
   * Puts the filter in front of {@code System.out} once per JVM. Called where the SameDiff loss is
   * defined, so it runs in every JVM that trains: the driver and each Spark executor.
   */
  static synchronized void suppress() {
    if (!(System.out instanceof Filter)) {
      System.setOut(new Filter(System.out));
    }
  }

  /** A stream that forwards everything to {@code out} except SameDiff's per-op lines. */
  static final class Filter extends PrintStream {

    Filter(OutputStream out) {
      super(out, true);
    }

    @Override
    public void println(String line) {
      // SameDiff calls println(String) with the whole line, so one check per call suffices.
      if (line == null || !line.startsWith(PREFIX)) {
        super.println(line);
      }
    }
  }
}
