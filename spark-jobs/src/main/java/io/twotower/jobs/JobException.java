package io.twotower.jobs;

/**
 * The one user-facing error of the jobs: what went wrong, why, and how to fix it. Built through the
 * factory methods so every message has the same three parts.
 */
public final class JobException extends RuntimeException {

  private JobException(String message, Throwable cause) {
    super(message, cause);
  }

  /** An error with its problem, cause and fix, e.g. a missing column or a bad config value. */
  public static JobException of(String problem, String cause, String fix) {
    return new JobException(format(problem, cause, fix), null);
  }

  /** Same as {@link #of} with the underlying exception attached. */
  public static JobException wrap(String problem, String cause, String fix, Throwable error) {
    return new JobException(format(problem, cause, fix), error);
  }

  /** A config key whose value is not allowed. */
  public static JobException badConfig(String key, Object value, String allowed) {
    return of(
        "Invalid config value " + key + " = " + value,
        "allowed: " + allowed,
        "set " + key + " in your .conf file or with --set " + key + "=<value>");
  }

  /** An input table or file that does not exist. */
  public static JobException missingInput(String what, String where, String fix) {
    return of(what + " not found at " + where, "the stage that writes it has not run", fix);
  }

  private static String format(String problem, String cause, String fix) {
    return problem + "\n  cause: " + cause + "\n  fix:   " + fix;
  }
}
