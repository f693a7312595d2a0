package io.twotower.jobs;

/**
 * The one user-facing error of the jobs: what went wrong, why, and how to fix it. Only {@link
 * JobErrors} builds them, so every message has the same three parts and is worded once.
 */
public final class JobException extends RuntimeException {

  private final String problem;
  private final String reason;
  private final String fix;

  JobException(String problem, String reason, String fix, Throwable error) {
    super(problem + "\n  cause: " + reason + "\n  fix:   " + fix, error);
    this.problem = problem;
    this.reason = reason;
    this.fix = fix;
  }

  /** The three parts on one line, for the CLI and for log lines that must not wrap. */
  public String oneLine() {
    return oneLine(problem) + " (" + oneLine(reason) + "); fix: " + oneLine(fix);
  }

  /** {@code text} with its line breaks (and the indentation after them) turned into spaces. */
  // A cause may quote a multi-line parser message (HOCON, Spark); one line must stay one line.
  static String oneLine(String text) {
    return String.valueOf(text).strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
