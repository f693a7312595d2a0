package io.twotower.towers;

import java.util.Arrays;
import java.util.List;

/**
 * The one place where this module builds user-facing errors. Every message says what is wrong
 * (problem), which value caused it (cause) and what to do about it (fix).
 */
final class TowerErrors {
  private TowerErrors() {}

  /** A configuration field holds a value outside what is allowed. */
  static IllegalArgumentException invalidSetting(String field, Object value, String allowed) {
    return new InvalidArgument(
        "Invalid "
            + field
            + ": got "
            + render(value)
            + "; allowed: "
            + allowed
            + ". Fix the "
            + field
            + " setting.");
  }

  /** One training or inference row does not match the tower configuration. */
  static IllegalArgumentException invalidInput(String what, int row, Object value, String fix) {
    return new InvalidArgument(
        "Invalid " + what + " in row " + row + ": got " + render(value) + ". " + fix);
  }

  /** A batch as a whole cannot be used. */
  static IllegalArgumentException invalidBatch(String problem, String fix) {
    return new InvalidArgument(problem + ". " + fix);
  }

  /** Fails unless {@code fieldValues} holds one row per item; {@code where} opens the message. */
  static void requireFieldRowPerItem(String where, int[] items, int[][][] fieldValues) {
    if (fieldValues == null || fieldValues.length != items.length) {
      throw invalidBatch(
          where
              + " got "
              + items.length
              + " items but "
              + (fieldValues == null ? "no" : fieldValues.length)
              + " rows of field values",
          "Pass one row of field values per item");
    }
  }

  /** Fails unless {@code userValues} holds one row per history; {@code where} opens the message. */
  static void requireUserRowPerHistory(String where, List<int[]> histories, List<?> userValues) {
    if (userValues == null || userValues.size() != histories.size()) {
      throw invalidBatch(
          where
              + " got "
              + histories.size()
              + " histories but "
              + (userValues == null ? "no" : userValues.size())
              + " rows of user field values",
          "Pass one row of user field values per history (an empty row without user fields)");
    }
  }

  /** A training graph handed back (e.g. by Spark) does not have this model's parameters. */
  static IllegalArgumentException incompatibleGraph(Object expected, Object actual) {
    return new InvalidArgument(
        "The trained graph does not match this model's configuration: it has parameters "
            + actual
            + " where "
            + expected
            + " were expected. Pass the graph trained from this model's trainingGraph(), or a"
            + " model built from the same TowerConfig.");
  }

  /** A model cannot continue under a configuration whose parameters have other shapes. */
  static IllegalArgumentException cannotGrow(String parameter, Object from, Object to) {
    return new InvalidArgument(
        "Cannot continue the model under the new configuration: parameter "
            + parameter
            + " has shape "
            + from
            + " in the model and "
            + to
            + " in the new configuration. Only embedding tables may grow (more rows, same"
            + " width) and the optimizer must stay the same; train from scratch to change the"
            + " towers' shapes or the optimizer.");
  }

  /** Saving or loading a model failed. */
  static IllegalStateException storageFailure(String operation, Object path, Exception cause) {
    return new InvalidState(
        "Could not "
            + operation
            + " the two-tower model at "
            + path
            + ": "
            + cause.getMessage()
            + ". Check that the directory exists, is writable and holds a model saved by"
            + " TwoTowerModel.save.",
        cause);
  }

  private static String render(Object value) {
    if (value instanceof int[] ints) {
      return Arrays.toString(ints);
    }
    if (value instanceof String s) {
      return "\"" + s + "\"";
    }
    return String.valueOf(value);
  }

  /** A setting or input the caller can fix. */
  static final class InvalidArgument extends IllegalArgumentException implements TowerThrowable {
    InvalidArgument(String message) {
      super(message);
    }
  }

  /** A state the caller can fix (a model folder that cannot be saved or loaded). */
  static final class InvalidState extends IllegalStateException implements TowerThrowable {
    InvalidState(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
