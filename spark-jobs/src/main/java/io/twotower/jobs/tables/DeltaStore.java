package io.twotower.jobs.tables;

import io.delta.tables.DeltaTable;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads and writes the pipeline's Delta tables under one data folder. Reads check the required
 * columns first; writes are whole-table or per-partition replacements, so reruns are idempotent.
 */
public final class DeltaStore {

  private final SparkSession spark;
  private final DataLocation dataDir;
  private final String dataDirSource;

  public DeltaStore(SparkSession spark, DataLocation dataDir) {
    this(spark, dataDir, "");
  }

  /**
   * @param dataDirSource where data-dir came from, quoted when a table is missing (a default
   *     data-dir because no config file was found reads like a stage that has not run)
   */
  public DeltaStore(SparkSession spark, DataLocation dataDir, String dataDirSource) {
    this.spark = spark;
    this.dataDir = dataDir;
    this.dataDirSource = dataDirSource;
  }

  /** A store in a local folder (tests and local tools). */
  public DeltaStore(SparkSession spark, java.nio.file.Path localDir) {
    this(spark, DataLocation.local(localDir));
  }

  public SparkSession spark() {
    return spark;
  }

  public DataLocation dataDir() {
    return dataDir;
  }

  /** File operations under data-dir with the session's Hadoop configuration. */
  public HadoopFiles files() {
    return new HadoopFiles(spark.sparkContext().hadoopConfiguration());
  }

  public String path(Table table) {
    return dataDir.resolve(table.folder()).toString();
  }

  public boolean exists(Table table) {
    return DeltaTable.isDeltaTable(spark, path(table));
  }

  /** The current table, its required columns checked. */
  public Dataset<Row> read(Table table) {
    requireExists(table);
    Dataset<Row> df = spark.read().format("delta").load(path(table));
    TableSchemas.require(
        df.schema(), table.requiredColumns(), table.folder() + " at " + path(table));
    return df;
  }

  /**
   * The table as it was at Delta version {@code version} (time travel), its required columns
   * checked: what a job reads when it records the version it read, so that a write to the table
   * while the job runs cannot make the record untrue.
   */
  public Dataset<Row> read(Table table, long version) {
    requireExists(table);
    Dataset<Row> df = spark.read().format("delta").option("versionAsOf", version).load(path(table));
    TableSchemas.require(
        df.schema(),
        table.requiredColumns(),
        table.folder() + " at " + path(table) + " (version " + version + ")");
    return df;
  }

  /** The current Delta version of the table (what a model records to name its training data). */
  public long version(Table table) {
    requireExists(table);
    return DeltaTable.forPath(spark, path(table)).history(1).select("version").head().getLong(0);
  }

  /**
   * Replaces the whole table with {@code df} (schema changes allowed: the stage owns the table).
   */
  public void overwrite(Table table, Dataset<Row> df) {
    check(table, df);
    writer(table, df).mode("overwrite").option("overwriteSchema", "true").save(path(table));
  }

  /**
   * Replaces only the rows matching {@code predicate} (e.g. {@code dt = '2026-01-03'} or {@code
   * stage = 'ingest'}), creating the table on first write; rows of other partitions are kept.
   */
  public void replaceWhere(Table table, Dataset<Row> df, String predicate) {
    check(table, df);
    if (!exists(table)) {
      writer(table, df).mode("overwrite").save(path(table));
      return;
    }
    StructType existing = spark.read().format("delta").load(path(table)).schema();
    if (!holdsColumnsOf(existing, df.schema())) {
      throw JobErrors.tableSchemaMismatch(
          table.folder(), path(table), existing.simpleString(), df.schema().simpleString());
    }
    writer(table, df).mode("overwrite").option("replaceWhere", predicate).save(path(table));
  }

  /**
   * Appends rows (history tables such as evaluations). Columns a newer version of the table's
   * schema added are added to an existing table (its older rows read them as null).
   */
  public void append(Table table, Dataset<Row> df) {
    check(table, df);
    writer(table, df).mode("append").option("mergeSchema", "true").save(path(table));
  }

  /**
   * Partitioned tables are written with Delta's optimized write: rows are shuffled by partition
   * before writing, so a day is one file (or a few of binSize) instead of one per task and day. A
   * long history such as MovieLens' 4,110 days otherwise ends up in tens of thousands of tiny
   * files, which dominate the time of every stage that writes or reads it.
   */
  private DataFrameWriter<Row> writer(Table table, Dataset<Row> df) {
    DataFrameWriter<Row> writer = df.write().format("delta");
    return table
        .partitionColumn()
        .map(column -> writer.partitionBy(column).option("optimizeWrite", "true"))
        .orElse(writer);
  }

  /**
   * Whether {@code table} has every column of {@code rows} with its type: what Delta requires of a
   * write without schema changes (columns of the table that the rows lack are written null).
   */
  private static boolean holdsColumnsOf(StructType table, StructType rows) {
    return java.util.Arrays.stream(rows.fields())
        .allMatch(
            f ->
                List.of(table.fieldNames()).contains(f.name())
                    && TableSchemas.sameIgnoringNullability(
                        table.apply(f.name()).dataType(), f.dataType()));
  }

  private void check(Table table, Dataset<Row> df) {
    TableSchemas.require(df.schema(), table.requiredColumns(), "rows written to " + table.folder());
  }

  private void requireExists(Table table) {
    if (!exists(table)) {
      throw JobErrors.missingTable(table.folder(), path(table), dataDirSource);
    }
  }

  /** Column checks shared by reads, writes and jobs that validate their inputs. */
  public static final class TableSchemas {
    private TableSchemas() {}

    /** Fails naming every missing or mistyped column of {@code required} in {@code actual}. */
    public static void require(StructType actual, StructType required, String where) {
      List<String> problems = new ArrayList<>();
      for (StructField field : required.fields()) {
        if (!List.of(actual.fieldNames()).contains(field.name())) {
          problems.add("missing column " + field.name() + " " + field.dataType().simpleString());
          continue;
        }
        DataType found = actual.apply(field.name()).dataType();
        if (!sameIgnoringNullability(found, field.dataType())) {
          problems.add(
              "column "
                  + field.name()
                  + " is "
                  + found.simpleString()
                  + ", expected "
                  + field.dataType().simpleString());
        }
      }
      if (!problems.isEmpty()) {
        throw JobErrors.unexpectedSchema(where, problems, actual.simpleString());
      }
    }

    // simpleString() leaves nullability out: a nullable column satisfies a non-null contract here,
    // the jobs' own validation is what keeps nulls out.
    private static boolean sameIgnoringNullability(DataType a, DataType b) {
      return a.simpleString().equals(b.simpleString());
    }
  }
}
