package io.twotower.jobs.tables;

import static io.twotower.jobs.tables.Table.Columns.COMMITTED_AT;
import static io.twotower.jobs.tables.Table.Columns.VERSIONS;

import io.twotower.jobs.DateRange;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which versions of a stage's tables belong together. A stage writes its tables one Delta commit
 * each (features: vocabularies, item_features, training_examples), so a stage that stops between
 * two commits leaves them mixed. It therefore ends with {@link #publish}: one row appended to
 * {@code stage_commits}, naming the version of every table it wrote. That append is the commit that
 * publishes; readers ({@link DeltaStore#atPublished}) read each table at the version named by the
 * newest row that names it, so they see the last whole set until the rerun publishes the next.
 *
 * <p>A table no row names (a data folder from before stage_commits, tables written by hand) is read
 * at its current version.
 */
public final class StageCommits {

  private static final Logger LOG = LoggerFactory.getLogger(StageCommits.class);

  private StageCommits() {}

  /**
   * Publishes the version of each of {@code written} that exists (e.g. users, which only some
   * sources write) as {@code stage}'s run on {@code dates}: the version this run committed, or the
   * current one for a table it left unchanged (or on a store that is not a run's). Call it after
   * the stage's last write; an append never conflicts with another run's.
   */
  public static void publish(DeltaStore store, String stage, DateRange dates, List<Table> written) {
    Map<String, Long> versions = new LinkedHashMap<>();
    for (Table table : written) {
      if (store.exists(table)) {
        versions.put(
            table.folder(),
            store.committedVersion(table).orElseGet(() -> store.headVersion(table)));
      }
    }
    Row row =
        RowFactory.create(
            stage,
            dates.toString(),
            UUID.randomUUID().toString(),
            versions,
            Timestamp.from(Instant.now()));
    store.append(
        Table.STAGE_COMMITS,
        store.spark().createDataFrame(List.of(row), Table.STAGE_COMMITS.requiredColumns()));
    LOG.info("{} ({}) published {}", stage, dates, versions);
  }

  /**
   * Each table's published version: the one the newest row naming it gives. Empty when nothing was
   * published under this data folder.
   */
  static Map<String, Long> published(DeltaStore store) {
    Map<String, Long> versions = new HashMap<>();
    if (!store.exists(Table.STAGE_COMMITS)) {
      return versions;
    }
    // Newest last, so later rows overwrite earlier ones; the table grows by a few rows a day.
    List<Row> rows = store.read(Table.STAGE_COMMITS).select(VERSIONS, COMMITTED_AT).collectAsList();
    rows.stream()
        .sorted(Comparator.comparing(row -> row.getTimestamp(1)))
        .forEach(row -> versions.putAll(row.getJavaMap(0)));
    return versions;
  }
}
