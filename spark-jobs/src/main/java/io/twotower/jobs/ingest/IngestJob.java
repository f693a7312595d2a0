package io.twotower.jobs.ingest;

import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.col;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.config.IngestConfig;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.config.SourceConfig;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Quarantine;
import io.twotower.jobs.tables.StageCommits;
import io.twotower.jobs.tables.Table;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the configured source ({@code source.kind}: synthetic, movielens or generic), validates it
 * and writes the {@code events} and {@code items} tables (and {@code users}, when the source has
 * user attributes: the synthetic one does); bad rows go to {@code quarantine} with their reason.
 * Without a date range it replaces both tables; with one it replaces only those days of {@code
 * events} (and the items). Reruns give the same tables.
 */
public final class IngestJob {

  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

  static final String STAGE = "ingest";

  /** The tables ingest publishes together (users only when the source has them). */
  public static final List<Table> OUTPUTS = List.of(Table.EVENTS, Table.ITEMS, Table.USERS);

  private IngestJob() {}

  public static void run(DeltaStore store, JobConfig config, DateRange dates) {
    long start = System.nanoTime();
    warnIfGeneratedFilesAreIgnored(store, config);
    IngestReport report = ingest(store, read(store.spark(), config), dates, config.ingest());
    LOG.info(
        String.format(
            "wrote %s, %s and %s in %.1f s",
            store.path(Table.EVENTS),
            store.path(Table.ITEMS),
            store.path(Table.QUARANTINE),
            (System.nanoTime() - start) / 1e9));
  }

  /**
   * `generate` then `ingest` reads like a sequence, but the synthetic source makes its own log in
   * memory: say so when generated files sit unread in the data folder.
   */
  private static void warnIfGeneratedFilesAreIgnored(DeltaStore store, JobConfig config) {
    String generated = GenerateJob.root(store).resolve("events").toString();
    if (config.source().kind() == SourceConfig.Kind.SYNTHETIC
        && SourceFiles.exists(store.spark(), generated)) {
      LOG.warn(
          "source.kind = synthetic generates the log in memory and does not read the files"
              + " `generate` wrote to "
              + generated
              + "; to ingest those, run with --config conf/generated.conf (source.kind = generic)");
    }
  }

  /** The raw log of the configured source. */
  public static RawLog read(SparkSession spark, JobConfig config) {
    return switch (config.source().kind()) {
      case SYNTHETIC -> SyntheticLog.generate(spark, config.synthetic()).asRaw();
      case MOVIELENS -> MovieLensSource.read(spark, config.source().movielensPath());
      case GENERIC -> GenericSource.read(spark, config.source());
    };
  }

  /**
   * Validates {@code raw}, writes events, items and quarantined rows, and counts what it did.
   * Fails, before writing events, items or users, when more than {@code ingest.max-bad-fraction} of
   * the events or of the items is quarantined.
   */
  public static IngestReport ingest(
      DeltaStore store, RawLog raw, DateRange dates, IngestConfig bounds) {
    ValidatedLog log = IngestValidation.validate(raw, dates, bounds, Instant.now()).persist();
    try {
      IngestReport report = IngestReport.of(raw.source(), dates, log);
      report.lines().forEach(LOG::info);
      String itemsTag = raw.source() + "/items";
      // A ranged run owns only its days' rejects; undated rejects are counted with each run.
      String eventsTag = raw.source() + "/events" + (dates.isAll() ? "" : " " + dates);
      // First, and also when the run fails below: the rejects are what the operator needs to see
      // why, and the quarantine table is a record, not an input of any later stage.
      Quarantine.write(store, STAGE, itemsTag, log.rejectedItems());
      Quarantine.write(store, STAGE, eventsTag, log.rejectedEvents());
      if (report.badFraction() > bounds.maxBadFraction()) {
        // The tables later stages read keep their previous version.
        throw JobErrors.tooManyBadRows(
            report.badFractionSummary(),
            bounds.maxBadFraction(),
            store.path(Table.QUARANTINE),
            itemsTag,
            eventsTag);
      }
      // Usually the same catalogue as yesterday's: unchanged, it is not rewritten (see there).
      store.overwriteIfChanged(Table.ITEMS, log.items());
      if (raw.users() != null) {
        store.overwriteIfChanged(Table.USERS, raw.users());
      }
      // One file per day: all rows of a day meet in one task.
      Dataset<Row> events =
          log.events().repartition(col(DT)).sortWithinPartitions(DT, USER_ID, TS, ITEM_ID);
      if (dates.isAll()) {
        store.overwrite(Table.EVENTS, events);
      } else {
        store.replaceWhere(Table.EVENTS, events, dates.predicate(DT).orElseThrow());
      }
      StageCommits.publish(store, STAGE, dates, OUTPUTS);
      return report;
    } finally {
      log.unpersist();
    }
  }
}
