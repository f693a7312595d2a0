package io.twotower.jobs.tables;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Some tables of a store, each pinned to the Delta version it had when this was made: every read
 * goes through time travel to that version, so what a job records as read ({@link #versions}) is
 * what it read, even if another job rewrites a table meanwhile.
 */
public final class PinnedTables {

  private final DeltaStore store;
  private final Map<Table, Long> versions;

  private PinnedTables(DeltaStore store, Map<Table, Long> versions) {
    this.store = store;
    this.versions = versions;
  }

  /**
   * {@code tables} at the versions {@code store} reads: the current ones, or on a store {@link
   * DeltaStore#atPublished} the published ones.
   */
  public static PinnedTables current(DeltaStore store, List<Table> tables) {
    Map<Table, Long> versions = new LinkedHashMap<>();
    for (Table table : tables) {
      versions.put(table, store.version(table));
    }
    return new PinnedTables(store, Collections.unmodifiableMap(versions));
  }

  /** The table at its pinned version. */
  public Dataset<Row> read(Table table) {
    Long version = versions.get(table);
    if (version == null) {
      throw new IllegalArgumentException(table.folder() + " is not one of " + versions.keySet());
    }
    return store.read(table, version);
  }

  /** The store the tables are in. */
  public DeltaStore store() {
    return store;
  }

  /** Each table's folder and pinned version, in the order given (as a model's metadata has it). */
  public Map<String, Long> versions() {
    Map<String, Long> byFolder = new LinkedHashMap<>();
    versions.forEach((table, version) -> byFolder.put(table.folder(), version));
    return byFolder;
  }
}
