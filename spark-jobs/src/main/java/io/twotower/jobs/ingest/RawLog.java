package io.twotower.jobs.ingest;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Events and items as a source delivers them, before validation. Every source maps its files to
 * this one layout so that {@link IngestValidation} is written once.
 *
 * <p>{@code events}: {@code user_id} STRING, {@code item_id} STRING, {@code timestamp} (STRING with
 * epoch seconds or ISO-8601, a number of epoch seconds, or TIMESTAMP), optionally {@code
 * engagement} (number or numeric STRING; absent means 1.0), plus {@code source_file} STRING and
 * {@code source_order} LONG. {@code items}: {@code item_id} STRING, categorical feature columns
 * (STRING single-valued, ARRAY&lt;STRING&gt; multi-valued), {@code source_file}, {@code
 * source_order}.
 *
 * <p>{@code source_file} and {@code source_order} say where a row came from: they are kept in
 * quarantined records, and "the first" of duplicate rows is the smallest (file, order). {@code
 * source_order} orders rows within a file; it is not a line number.
 *
 * <p>Optionally, in events and items, {@code malformed_line} STRING: the raw line of a text file
 * that did not split into the header's fields (null for a good line); such rows are quarantined.
 *
 * @param source short name of the source ("synthetic", "movielens", "generic"), used to tag
 *     quarantined rows
 * @param users user attributes, {@code user_id} STRING and categorical STRING columns, one row per
 *     user; null when the source has none
 */
public record RawLog(String source, Dataset<Row> events, Dataset<Row> items, Dataset<Row> users) {

  public static final String SOURCE_FILE = "source_file";
  public static final String SOURCE_ORDER = "source_order";
  public static final String MALFORMED_LINE = "malformed_line";

  /** A log without user attributes. */
  public RawLog(String source, Dataset<Row> events, Dataset<Row> items) {
    this(source, events, items, null);
  }
}
