package io.twotower.jobs.tables;

import static io.twotower.jobs.tables.Table.Columns.QUARANTINED_AT;
import static io.twotower.jobs.tables.Table.Columns.REASON;
import static io.twotower.jobs.tables.Table.Columns.RECORD;
import static io.twotower.jobs.tables.Table.Columns.SOURCE;
import static io.twotower.jobs.tables.Table.Columns.STAGE;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.format_number;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StringType;

/**
 * Where rows that fail validation go, with the reason, instead of being dropped. A stage's rerun
 * replaces its own earlier quarantined rows for the same source, so counts never double.
 */
public final class Quarantine {

  /**
   * A quarantined string is kept up to this many characters, then marked as cut with its length: a
   * 1 MB id is evidence enough in its first kilobyte, and stored whole it would be stored again by
   * every rerun.
   */
  public static final int MAX_VALUE_CHARS = 1024;

  private Quarantine() {}

  /**
   * Writes {@code rejected} (any columns plus a {@code reason} column) for {@code stage} and {@code
   * source}, replacing that stage's earlier rows of that source. Returns the number written.
   */
  public static long write(DeltaStore store, String stage, String source, Dataset<Row> rejected) {
    Column[] original =
        java.util.Arrays.stream(rejected.columns())
            .filter(c -> !c.equals(REASON))
            .map(name -> bounded(rejected, name))
            .toArray(Column[]::new);
    Dataset<Row> rows =
        rejected.select(
            lit(stage).as(STAGE),
            lit(source).as(SOURCE),
            rejected.col(REASON),
            to_json(struct(original)).as(RECORD),
            current_timestamp().as(QUARANTINED_AT));
    rows = rows.cache();
    long count = rows.count();
    store.replaceWhere(
        Table.QUARANTINE,
        rows,
        "stage = '"
            + stage.replace("'", "''")
            + "' AND source = '"
            + source.replace("'", "''")
            + "'");
    rows.unpersist();
    return count;
  }

  /** A string column cut to {@link #MAX_VALUE_CHARS}, e.g. {@code xxx…[1,048,576 characters]}. */
  private static Column bounded(Dataset<Row> rejected, String name) {
    Column value = rejected.col(name);
    if (!(rejected.schema().apply(name).dataType() instanceof StringType)) {
      return value;
    }
    Column cut =
        concat(
            substring(value, 1, MAX_VALUE_CHARS),
            lit("…["),
            format_number(length(value), 0),
            lit(" characters]"));
    return when(length(value).gt(MAX_VALUE_CHARS), cut).otherwise(value).as(name);
  }
}
