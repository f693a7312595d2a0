package io.twotower.jobs.tables;

import io.delta.exceptions.DeltaConcurrentModificationException;
import io.delta.tables.DeltaTable;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes the pipeline's Delta tables under one data folder. Reads check the required
 * columns first; writes are whole-table or per-partition replacements, so reruns are idempotent.
 */
public final class DeltaStore {

  private static final Logger LOG = LoggerFactory.getLogger(DeltaStore.class);

  private final SparkSession spark;
  private final DataLocation dataDir;
  private final String dataDirSource;
  // Tables read at a fixed version instead of the current one (see atPublished).
  private final Map<Table, Long> pinned;
  // The stage run whose commits this store tags (see forRun), and the version of each table it
  // committed last; null and empty on a store no run was given.
  private final RunTag run;
  private final Map<Table, Long> committed;

  public DeltaStore(SparkSession spark, DataLocation dataDir) {
    this(spark, dataDir, "");
  }

  /**
   * @param dataDirSource where data-dir came from, quoted when a table is missing (a default
   *     data-dir because no config file was found reads like a stage that has not run)
   */
  public DeltaStore(SparkSession spark, DataLocation dataDir, String dataDirSource) {
    this(spark, dataDir, dataDirSource, Map.of(), null, new EnumMap<>(Table.class));
  }

  private DeltaStore(
      SparkSession spark,
      DataLocation dataDir,
      String dataDirSource,
      Map<Table, Long> pinned,
      RunTag run,
      Map<Table, Long> committed) {
    this.spark = spark;
    this.dataDir = dataDir;
    this.dataDirSource = dataDirSource;
    this.pinned = pinned;
    this.run = run;
    this.committed = committed;
  }

  /**
   * This store for one run of a stage: every commit carries {@code run} in its Delta userMetadata,
   * and a commit Delta refuses because only runs for other dates committed the table meanwhile
   * throws {@link OtherDatesCommitted} (the stage may run again) instead of the conflict error.
   */
  public DeltaStore forRun(RunTag run) {
    return new DeltaStore(
        spark,
        dataDir,
        dataDirSource,
        pinned,
        run,
        Collections.synchronizedMap(new EnumMap<>(Table.class)));
  }

  /**
   * The version of {@code table} this run committed last, or empty when it committed none (or the
   * store is not a run's): what {@link StageCommits#publish} names, rather than the table's head,
   * which may already be another run's commit.
   */
  public Optional<Long> committedVersion(Table table) {
    return Optional.ofNullable(committed.get(table));
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

  /**
   * This store with each of {@code inputs} pinned to its published version ({@link StageCommits}):
   * reads and {@link #version} of them give that version, so a stage reads a whole set of another
   * stage's tables even if that stage stopped between two commits, and the same version throughout.
   * A table nothing published is pinned at its current version; one that does not exist is left as
   * is (reading it fails as before). Writes are unaffected.
   */
  public DeltaStore atPublished(List<Table> inputs) {
    Map<String, Long> published = StageCommits.published(this);
    Map<Table, Long> pins = new EnumMap<>(Table.class);
    pins.putAll(pinned);
    for (Table table : inputs) {
      if (!exists(table)) {
        continue;
      }
      long head = headVersion(table);
      Long version = published.get(table.folder());
      // Newer than the head: the table was deleted and written anew since, its versions restarted.
      pins.put(table, version == null || version > head ? head : version);
    }
    Map<String, Long> byFolder = new LinkedHashMap<>();
    pins.forEach((table, version) -> byFolder.put(table.folder(), version));
    LOG.info("reading published versions {}", byFolder);
    return new DeltaStore(
        spark, dataDir, dataDirSource, Collections.unmodifiableMap(pins), run, committed);
  }

  /** The table (at its pinned version on a store {@link #atPublished}), its columns checked. */
  public Dataset<Row> read(Table table) {
    Long version = pinned.get(table);
    if (version != null) {
      return read(table, version);
    }
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

  /**
   * The Delta version {@link #read(Table)} reads (what a model records to name its training data):
   * the pinned one, else the current one.
   */
  public long version(Table table) {
    Long version = pinned.get(table);
    return version != null ? version : headVersion(table);
  }

  /** The table's current Delta version, whatever is pinned. */
  public long headVersion(Table table) {
    requireExists(table);
    return DeltaTable.forPath(spark, path(table)).history(1).select("version").head().getLong(0);
  }

  /**
   * Replaces the whole table with {@code df} (schema changes allowed: the stage owns the table).
   */
  public void overwrite(Table table, Dataset<Row> df) {
    check(table, df);
    commit(
        table,
        "overwrite",
        () ->
            writer(table, df)
                .mode("overwrite")
                .option("overwriteSchema", "true")
                .save(path(table)));
  }

  /**
   * As {@link #overwrite}, but leaves the table at its version when it already holds exactly these
   * rows: ingest rewrites the same catalogue every day, and a commit that changes nothing would
   * still conflict with another day's run committing the same table at the same time.
   */
  public void overwriteIfChanged(Table table, Dataset<Row> df) {
    if (exists(table) && !pinned.containsKey(table)) {
      Dataset<Row> current = read(table);
      if (current.schema().catalogString().equals(df.schema().catalogString())
          && current.exceptAll(df).isEmpty()
          && df.exceptAll(current).isEmpty()) {
        LOG.info("{} unchanged: left at version {}", table.folder(), headVersion(table));
        return;
      }
    }
    overwrite(table, df);
  }

  /**
   * Replaces only the rows matching {@code predicate} (e.g. {@code dt = '2026-01-03'} or {@code
   * stage = 'ingest'}), creating the table on first write; rows of other partitions are kept.
   */
  public void replaceWhere(Table table, Dataset<Row> df, String predicate) {
    check(table, df);
    commit(
        table,
        "replaceWhere " + predicate,
        () -> {
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
        });
  }

  /**
   * Appends rows (history tables such as evaluations). Columns a newer version of the table's
   * schema added are added to an existing table (its older rows read them as null).
   */
  public void append(Table table, Dataset<Row> df) {
    check(table, df);
    commit(
        table,
        "append",
        () -> writer(table, df).mode("append").option("mergeSchema", "true").save(path(table)));
  }

  /**
   * Runs one write (one Delta commit). Delta commits optimistically and refuses one that conflicts
   * with a commit made since the write read the table. When every commit since then was made by a
   * run for other dates (two days' features both rewriting vocabularies), nothing of theirs is
   * undone by running this stage again on their result: {@link OtherDatesCommitted}. Otherwise
   * (another run for the same dates, or a writer that left no tag) it is the clear conflict error.
   */
  private void commit(Table table, String write, Runnable save) {
    long before = run != null && exists(table) ? headVersion(table) : -1;
    try {
      save.run();
    } catch (DeltaConcurrentModificationException e) {
      Optional<List<RunTag>> others = run == null ? Optional.empty() : writersAfter(table, before);
      if (others.isPresent()
          && !others.get().isEmpty()
          && others.get().stream().noneMatch(other -> other.dates().overlaps(run.dates()))) {
        throw new OtherDatesCommitted(table.folder(), others.get(), e);
      }
      throw JobErrors.concurrentWrite(table.folder(), path(table), write, e);
    }
    if (run != null) {
      committed.put(table, versionCommittedBy(run, table));
    }
  }

  /** The runs that made the table's commits after {@code version}; empty if one was untagged. */
  private Optional<List<RunTag>> writersAfter(Table table, long version) {
    List<RunTag> writers = new ArrayList<>();
    for (Row commit : history(table).where("version > " + version).collectAsList()) {
      Optional<RunTag> writer = RunTag.fromJson(commit.getString(1));
      if (writer.isEmpty() || writer.get().runId().equals(run.runId())) {
        return Optional.empty();
      }
      writers.add(writer.get());
    }
    return Optional.of(writers);
  }

  /** The newest version of {@code table} that {@code run} committed (other runs may follow it). */
  private long versionCommittedBy(RunTag run, Table table) {
    return history(table).collectAsList().stream()
        .filter(
            c -> RunTag.fromJson(c.getString(1)).map(RunTag::runId).orElse("").equals(run.runId()))
        .mapToLong(c -> c.getLong(0))
        .max()
        .orElseGet(() -> headVersion(table));
  }

  /** The table's commits, newest first: version and userMetadata. */
  private Dataset<Row> history(Table table) {
    // A run's commits are among the last few; 20 covers any number of concurrent runs seen here.
    return DeltaTable.forPath(spark, path(table)).history(20).select("version", "userMetadata");
  }

  /**
   * Partitioned tables are written with Delta's optimized write: rows are shuffled by partition
   * before writing, so a day is one file (or a few of binSize) instead of one per task and day. A
   * long history such as MovieLens' 4,110 days otherwise ends up in tens of thousands of tiny
   * files, which dominate the time of every stage that writes or reads it.
   */
  private DataFrameWriter<Row> writer(Table table, Dataset<Row> df) {
    DataFrameWriter<Row> plain = df.write().format("delta");
    DataFrameWriter<Row> writer = run == null ? plain : plain.option("userMetadata", run.toJson());
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
