package io.twotower.sampling;

/**
 * The one place user-facing errors of this module are worded. Every message says the problem, its
 * cause and how to fix it, so a failed job log is enough to act on.
 */
final class SamplingErrors {

  private SamplingErrors() {}

  static IllegalArgumentException invalidSetting(String key, Object value, String allowed) {
    return error(
        key + " = " + value + " is invalid",
        "the value is outside what the estimator can use",
        "set " + key + " to " + allowed);
  }

  static IllegalArgumentException missingColumn(
      String table, String column, Iterable<String> present) {
    return error(
        table + " has no column '" + column + "'",
        "the input schema does not match what the estimator reads (columns: " + present + ")",
        "rename or select the column so that '" + column + "' exists");
  }

  static IllegalArgumentException wrongColumnType(
      String table, String column, String actual, String expected) {
    return error(
        table + " column '" + column + "' has type " + actual,
        "the estimator needs " + expected,
        "cast '" + column + "' to " + expected + " before calling");
  }

  static IllegalArgumentException invalidRows(String table, String column, long rows, String what) {
    return error(
        table + " has " + rows + " row(s) with " + what + " in column '" + column + "'",
        "such rows have no item to count or no day to weight, and would turn into NaN or"
            + " infinite log_p downstream",
        "quarantine them first with ItemEventValidation.split(...) and pass its valid rows");
  }

  static IllegalArgumentException invalidCounts(long rows) {
    return error(
        "dailyCounts has " + rows + " row(s) in the window with a null or negative count",
        "a count is the number of an item's events on a day, so the window's weights would be"
            + " wrong or missing",
        "rebuild those days with ItemSamplingProbabilities.dailyCounts(...)");
  }

  static IllegalArgumentException eventsAfterWindowEnd(String column, long rows, Object windowEnd) {
    return error(
        rows + " event(s) have '" + column + "' after windowEnd " + windowEnd,
        "a day after the window end would get a decay weight above 1",
        "pass the last day of the data as windowEnd, or filter the events to the window");
  }

  static IllegalStateException emptyWindow(String what, String fix) {
    return new InvalidState(
        "No events in the window: "
            + what
            + ". Cause: probabilities of an empty window are"
            + " undefined (0/0), and an empty table would silently disable the logQ correction."
            + " Fix: "
            + fix
            + ".");
  }

  static IllegalStateException zeroTotalWeight(double halfLifeDays) {
    return new InvalidState(
        "The decayed total weight of the window is 0. Cause: with halfLifeDays = "
            + halfLifeDays
            + " every event is so old that its weight underflows. Fix: use a longer"
            + " halfLifeDays or a windowEnd closer to the data.");
  }

  private static IllegalArgumentException error(String problem, String cause, String fix) {
    return new InvalidArgument(problem + ". Cause: " + cause + ". Fix: " + fix + ".");
  }

  /** A setting or input the caller can fix. */
  static final class InvalidArgument extends IllegalArgumentException implements SamplingThrowable {
    InvalidArgument(String message) {
      super(message);
    }
  }

  /** A state the caller can fix (a window without usable events). */
  static final class InvalidState extends IllegalStateException implements SamplingThrowable {
    InvalidState(String message) {
      super(message);
    }
  }
}
