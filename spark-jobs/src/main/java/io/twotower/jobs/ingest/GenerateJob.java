package io.twotower.jobs.ingest;

import static io.twotower.jobs.tables.Table.Columns.ENGAGEMENT;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.config.SyntheticConfig;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.tables.DeltaStore;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the synthetic log as Parquet files in the generic source's layout under {@code
 * <data-dir>/raw/synthetic/} ({@code events}, {@code items}, and {@code users} with each user's
 * true taste), so the generic path can be tried end to end and the format seen on real files.
 */
public final class GenerateJob {

  private static final Logger LOG = LoggerFactory.getLogger(GenerateJob.class);

  private GenerateJob() {}

  public static void run(DeltaStore store, JobConfig config, DateRange dates) {
    long start = System.nanoTime();
    SyntheticConfig synthetic = config.synthetic();
    DataLocation root = root(store);
    if (!dates.isAll()) {
      LOG.warn(
          "generate writes all "
              + synthetic.days()
              + " days; "
              + dates
              + " applies to ingest only");
    }
    SyntheticLog.Log log = SyntheticLog.generate(store.spark(), synthetic);
    Dataset<Row> events =
        log.events()
            .select(
                col(USER_ID),
                col(ITEM_ID),
                call_function("unix_seconds", col(TS)).as("timestamp"),
                col(ENGAGEMENT));
    write(events, root.resolve("events"));
    write(log.items(), root.resolve("items"));
    write(log.users(), root.resolve("users"));

    long eventCount = store.spark().read().parquet(root.resolve("events").toString()).count();
    LOG.info(
        String.format(
            "%,d events of %,d users over %d days from %s, %,d items, in %.1f s",
            eventCount,
            synthetic.users(),
            synthetic.days(),
            synthetic.startDate(),
            synthetic.items(),
            (System.nanoTime() - start) / 1e9));
    LOG.info("events (user_id, item_id, timestamp epoch s, engagement): " + root.resolve("events"));
    LOG.info("items (item_id, channel, topics array): " + root.resolve("items"));
    LOG.info(
        "users (user_id, taste_topics, taste_weights: ground truth; region: an attribute): "
            + root.resolve("users"));
    LOG.info(
        "ingest them with: two-tower ingest --config conf/generated.conf, or"
            + " --set source.kind=generic"
            + " --set source.generic.format=parquet"
            + " --set source.generic.events-path="
            + root.resolve("events")
            + " --set source.generic.items-path="
            + root.resolve("items"));
  }

  /** Where the generated log goes: {@code <data-dir>/raw/synthetic}. */
  static DataLocation root(DeltaStore store) {
    return store.dataDir().resolve("raw").resolve("synthetic");
  }

  private static void write(Dataset<Row> rows, DataLocation path) {
    rows.write().mode("overwrite").parquet(path.toString());
  }
}
