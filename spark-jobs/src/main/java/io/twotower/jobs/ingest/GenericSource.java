package io.twotower.jobs.ingest;

import static io.twotower.jobs.tables.Table.Columns.ENGAGEMENT;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_compact;
import static org.apache.spark.sql.functions.array_remove;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.nullif;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import io.twotower.jobs.JobErrors;
import io.twotower.jobs.config.SourceConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Your own log: {@code source.kind = generic}. Two inputs, each a file, a folder of files or a
 * glob, in {@code source.generic.format} ({@code csv} with a header row, or {@code parquet}):
 *
 * <p><b>Events</b> ({@code source.generic.events-path}), one row per interaction:
 *
 * <table>
 *   <caption>events columns</caption>
 *   <tr><th>column</th><th>type</th><th>meaning</th></tr>
 *   <tr><td>user_id</td><td>string (or a number)</td><td>who; required, not empty</td></tr>
 *   <tr><td>item_id</td><td>string (or a number)</td><td>what; must be an item_id of the items</td></tr>
 *   <tr><td>timestamp</td><td>epoch seconds (number or numeric string), ISO-8601 string
 *       ({@code 2026-01-03T10:15:00Z}), or a Parquet timestamp</td><td>when; the event's day
 *       ({@code dt}) is its UTC date</td></tr>
 *   <tr><td>engagement</td><td>number &ge; 0, optional</td><td>e.g. watch fraction or rating;
 *       1.0 for every event when the column is absent</td></tr>
 * </table>
 *
 * <p><b>Items</b> ({@code source.generic.items-path}): {@code item_id} plus any categorical feature
 * columns, kept under their own names. A column listed in {@code
 * source.generic.multi-valued-columns} holds several values: in CSV a '|'-separated string ({@code
 * comedy|drama}), in Parquet an array of strings (Parquet arrays are taken as multi-valued even
 * when not listed). Other columns are single values (numbers become strings). Multi-valued columns
 * become ARRAY&lt;STRING&gt; (empty when absent), single-valued ones STRING (null when absent).
 * Leave out free text such as titles or descriptions: every distinct value becomes a vocabulary
 * entry.
 *
 * <p>Other columns of the events are ignored. Bad rows are not dropped but quarantined with a
 * reason (see {@link IngestValidation}); an event whose item_id is not in the items is one of them.
 *
 * <pre>
 * events.csv                                   items.csv
 * user_id,item_id,timestamp,engagement         item_id,channel,topics
 * u1,v9,2026-01-03T10:15:00Z,0.8               v9,c3,cooking|travel
 * u1,v4,1767435300,0.35                        v4,c1,music
 * </pre>
 */
public final class GenericSource {

  private GenericSource() {}

  public static RawLog read(SparkSession spark, SourceConfig config) {
    String format = config.genericFormat().trim().toLowerCase(Locale.ROOT);
    if (!format.equals("csv") && !format.equals("parquet")) {
      throw JobErrors.badConfig(
          "two-tower.source.generic.format", config.genericFormat(), "csv | parquet");
    }
    Dataset<Row> events = load(spark, format, "events", config.genericEventsPath());
    Dataset<Row> items = load(spark, format, "items", config.genericItemsPath());
    return new RawLog("generic", events(events, config), items(items, config));
  }

  private static Dataset<Row> load(SparkSession spark, String format, String what, String path) {
    String key = "two-tower.source.generic." + what + "-path";
    if (path == null || path.isBlank()) {
      throw JobErrors.genericPathNotSet(what, key, format);
    }
    String absolute = SourceFiles.absolute(path);
    if (!SourceFiles.exists(spark, absolute)) {
      throw JobErrors.genericPathNotFound(what, absolute, key, path, SourceFiles.absolute("."));
    }
    // Spark reads empty files as a table without columns, which would fail later as "lacks
    // column(s) user_id, ..." with nothing found: say what is wrong instead.
    List<FileStatus> files = SourceFiles.dataFiles(spark, absolute);
    if (files.stream().allMatch(f -> f.getLen() == 0)) {
      throw JobErrors.genericFilesEmpty(
          what, absolute, key, files.stream().map(f -> f.getPath().toString()).toList());
    }
    return format.equals("csv") ? csv(spark, absolute) : spark.read().parquet(absolute);
  }

  /**
   * Every column as a string, plus {@link RawLog#MALFORMED_LINE}: the whole line when it does not
   * split into as many fields as the header (Spark would otherwise fill a short line with nulls and
   * cut a long one silently).
   */
  private static Dataset<Row> csv(SparkSession spark, String path) {
    StructType header = spark.read().option("header", "true").csv(path).schema();
    StructType schema = new StructType();
    for (String column : header.fieldNames()) {
      schema = schema.add(column, DataTypes.StringType);
    }
    return spark
        .read()
        .option("header", "true")
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", RawLog.MALFORMED_LINE)
        .schema(schema.add(RawLog.MALFORMED_LINE, DataTypes.StringType))
        .csv(path);
  }

  private static Dataset<Row> events(Dataset<Row> events, SourceConfig config) {
    requireColumns(events, "events", config.genericEventsPath(), USER_ID, ITEM_ID, "timestamp");
    List<Column> columns =
        new ArrayList<>(
            List.of(
                col(USER_ID).cast("string").as(USER_ID),
                col(ITEM_ID).cast("string").as(ITEM_ID),
                col("timestamp")));
    for (String optional : List.of(ENGAGEMENT, RawLog.MALFORMED_LINE)) {
      if (List.of(events.columns()).contains(optional)) {
        columns.add(col(optional));
      }
    }
    columns.add(input_file_name().as(RawLog.SOURCE_FILE));
    columns.add(monotonically_increasing_id().as(RawLog.SOURCE_ORDER));
    return events.select(columns.toArray(Column[]::new));
  }

  private static Dataset<Row> items(Dataset<Row> items, SourceConfig config) {
    requireColumns(items, "items", config.genericItemsPath(), ITEM_ID);
    List<String> multiValued = config.genericMultiValuedColumns();
    List<String> missing =
        multiValued.stream().filter(c -> !List.of(items.columns()).contains(c)).toList();
    if (!missing.isEmpty()) {
      throw JobErrors.multiValuedColumnsNotInItems(
          missing, config.genericItemsPath(), List.of(items.columns()));
    }
    StructType schema = items.schema();
    List<Column> columns = new ArrayList<>(List.of(col(ITEM_ID).cast("string").as(ITEM_ID)));
    for (String name : items.columns()) {
      if (name.equals(ITEM_ID) || name.equals(RawLog.MALFORMED_LINE)) {
        continue;
      }
      DataType type = schema.apply(name).dataType();
      if (type instanceof ArrayType) {
        columns.add(values(transform(col(name), v -> v.cast("string"))).as(name));
      } else if (multiValued.contains(name)) {
        columns.add(values(split(col(name).cast("string"), "\\|")).as(name));
      } else {
        columns.add(nullif(trim(col(name).cast("string")), lit("")).as(name));
      }
    }
    if (List.of(items.columns()).contains(RawLog.MALFORMED_LINE)) {
      columns.add(col(RawLog.MALFORMED_LINE));
    }
    columns.add(input_file_name().as(RawLog.SOURCE_FILE));
    columns.add(monotonically_increasing_id().as(RawLog.SOURCE_ORDER));
    return items.select(columns.toArray(Column[]::new));
  }

  /** Trimmed, without empty values; an empty array for null. */
  private static Column values(Column strings) {
    Column trimmed = transform(strings, v -> trim(v));
    return when(strings.isNull(), array().cast("array<string>"))
        .otherwise(array_remove(array_compact(trimmed), ""));
  }

  private static void requireColumns(
      Dataset<Row> rows, String what, String path, String... required) {
    List<String> present =
        List.of(rows.columns()).stream().filter(c -> !c.equals(RawLog.MALFORMED_LINE)).toList();
    List<String> missing = List.of(required).stream().filter(c -> !present.contains(c)).toList();
    if (!missing.isEmpty()) {
      throw JobErrors.genericFilesLackColumns(what, path, missing, present);
    }
  }
}
