package io.twotower.sampling;

/**
 * Marks the errors this module raises on purpose: a setting or an input the caller can fix, each
 * worded in {@code SamplingErrors} with problem, cause and fix. Everything else this module throws
 * is a bug. Like Spark's {@code SparkThrowable}, it is an interface so that the errors stay {@link
 * IllegalArgumentException}s or {@link IllegalStateException}s for callers that catch those, while
 * a command line can recognise them and print one line instead of a stack trace.
 */
public interface SamplingThrowable {}
