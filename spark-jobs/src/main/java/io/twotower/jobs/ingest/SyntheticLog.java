package io.twotower.jobs.ingest;

import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.ENGAGEMENT;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;

import io.twotower.jobs.config.SyntheticConfig;
import java.sql.Timestamp;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * A YouTube-like watch log with known structure, the built-in default source. Channels have a main
 * topic; items belong to one channel and have 1-3 topics (the channel's plus random others); item
 * popularity within a topic follows rank^-zipfExponent. Each user has a taste: a Dirichlet mixture
 * over 2-3 topics. A user's ~Poisson(eventsPerUser) watches each pick a topic from the taste and an
 * item of that topic by popularity, or, with probability channelStickiness, another item of the
 * previous item's channel, or now and then (10%) a trending item regardless of taste. Timestamps
 * increase over {@code days} days from startDate (UTC); engagement is the watched fraction, higher
 * when the item's topics match the taste. A user watches an item at most once.
 *
 * <p>Items are built on the driver and broadcast; users are simulated in parallel from {@code
 * spark.range(users)}, each with an RNG seeded by (seed, user), so the same config gives the same
 * rows whatever the partitioning, and 10M+ events need no driver memory.
 */
public final class SyntheticLog {

  /** Columns of {@link Log#events()}: the events table's layout. */
  public static final StructType EVENTS =
      new StructType()
          .add(USER_ID, StringType, false)
          .add(ITEM_ID, StringType, false)
          .add(TS, TimestampType, false)
          .add(ENGAGEMENT, DoubleType, false);

  /** Columns of {@link Log#items()}: the item's channel and topics. */
  public static final StructType ITEMS =
      new StructType()
          .add(ITEM_ID, StringType, false)
          .add("channel", StringType, false)
          .add("topics", createArrayType(StringType, false), false);

  /**
   * Ground truth for checks: each user's taste topics and their weights (summing to 1); and the
   * user attribute {@code region}, derived from the taste (see {@link SyntheticUser#region()}),
   * which ingest writes to the users table.
   */
  public static final StructType USERS =
      new StructType()
          .add(USER_ID, StringType, false)
          .add("taste_topics", createArrayType(StringType, false), false)
          .add("taste_weights", createArrayType(DoubleType, false), false)
          .add("region", StringType, false);

  private static final long EVENTS_PER_PARTITION = 1_000_000;

  /** The generated log: events (with {@code dt}), items, and the users' true tastes. */
  public record Log(Dataset<Row> events, Dataset<Row> items, Dataset<Row> users) {

    /** This log in the layout every source delivers, for validation. */
    public RawLog asRaw() {
      Dataset<Row> raw =
          events.select(
              col(USER_ID),
              col(ITEM_ID),
              col(TS).as("timestamp"),
              col(ENGAGEMENT),
              lit("synthetic").as(RawLog.SOURCE_FILE),
              // No duplicates exist by construction, so no order among rows is needed.
              lit(0L).as(RawLog.SOURCE_ORDER));
      Dataset<Row> rawItems =
          items
              .withColumn(RawLog.SOURCE_FILE, lit("synthetic"))
              .withColumn(RawLog.SOURCE_ORDER, lit(0L));
      return new RawLog("synthetic", raw, rawItems, users.select(USER_ID, "region"));
    }
  }

  private SyntheticLog() {}

  public static Log generate(SparkSession spark, SyntheticConfig config) {
    long expectedEvents = (long) Math.ceil(config.users() * config.eventsPerUser());
    int partitions =
        (int)
            Math.max(
                spark.sparkContext().defaultParallelism(),
                (expectedEvents + EVENTS_PER_PARTITION - 1) / EVENTS_PER_PARTITION);
    return generate(spark, config, partitions);
  }

  /**
   * As {@link #generate(SparkSession, SyntheticConfig)} with users split into {@code partitions}.
   */
  static Log generate(SparkSession spark, SyntheticConfig config, int partitions) {
    SyntheticCatalog catalog = SyntheticCatalog.build(config);
    Broadcast<SyntheticCatalog> shared =
        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(catalog);
    Dataset<Long> userIds = spark.range(0, config.users(), 1, partitions);

    long seed = config.seed();
    double eventsPerUser = config.eventsPerUser();
    double stickiness = config.channelStickiness();
    long start = config.startDate().atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    long span = config.days() * 86_400L;
    FlatMapFunction<Long, Row> simulate =
        id -> {
          SyntheticCatalog items = shared.value();
          SyntheticUser user = new SyntheticUser(seed, id, items);
          List<Row> rows = new ArrayList<>();
          for (SyntheticUser.Watch watch : user.watches(items, eventsPerUser, stickiness, span)) {
            rows.add(
                RowFactory.create(
                    userId(id),
                    itemId(watch.item()),
                    new Timestamp((start + watch.offsetSeconds()) * 1000),
                    watch.engagement()));
          }
          return rows.iterator();
        };
    Dataset<Row> events =
        userIds
            .flatMap(simulate, Encoders.row(EVENTS))
            .withColumn(DT, IngestValidation.utcDate(col(TS)));

    MapFunction<Long, Row> taste =
        id -> {
          SyntheticUser user = new SyntheticUser(seed, id, shared.value());
          return RowFactory.create(
              userId(id),
              Arrays.stream(user.tasteTopics)
                  .mapToObj(SyntheticLog::topicId)
                  .toArray(String[]::new),
              Arrays.stream(user.tasteWeights).boxed().toArray(Double[]::new),
              user.region());
        };
    Dataset<Row> users = userIds.map(taste, Encoders.row(USERS));
    return new Log(events, items(spark, catalog), users);
  }

  private static Dataset<Row> items(SparkSession spark, SyntheticCatalog catalog) {
    List<Row> rows = new ArrayList<>(catalog.items());
    for (int i = 0; i < catalog.items(); i++) {
      rows.add(
          RowFactory.create(
              itemId(i),
              "c" + catalog.itemChannel[i],
              Arrays.stream(catalog.itemTopics[i])
                  .mapToObj(SyntheticLog::topicId)
                  .toArray(String[]::new)));
    }
    return spark.createDataFrame(rows, ITEMS);
  }

  static String userId(long id) {
    return "u" + id;
  }

  static String itemId(int id) {
    return "i" + id;
  }

  static String topicId(int topic) {
    return "t" + topic;
  }
}
