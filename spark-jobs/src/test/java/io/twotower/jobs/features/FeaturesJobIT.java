package io.twotower.jobs.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeaturesJobIT {

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;
  static DeltaStore store;
  static JobConfig config;

  @BeforeAll
  static void setUp() {
    store = new DeltaStore(spark, scratch.resolve("data"));
    config = config(Map.of());
    writeLog(store);
    FeaturesJob.run(store, config, DateRange.ALL);
  }

  private static JobConfig config(Map<String, String> more) {
    Map<String, String> settings =
        new java.util.HashMap<>(
            Map.of("features.history-length", "2", "features.oov-buckets", "4"));
    settings.putAll(more);
    return JobConfig.from(ConfigLoader.load(null, settings));
  }

  private static void writeLog(DeltaStore target) {
    // u1: a, b, c (c held out); u2: a, b (b held out); u3: d only (a single event stays in train).
    spark
        .sql(
            "SELECT * FROM VALUES "
                + "('u1','a',TIMESTAMP'2026-01-01 10:00:00',1.0D),"
                + "('u1','b',TIMESTAMP'2026-01-01 11:00:00',0.5D),"
                + "('u1','c',TIMESTAMP'2026-01-02 09:00:00',1.0D),"
                + "('u2','a',TIMESTAMP'2026-01-01 12:00:00',1.0D),"
                + "('u2','b',TIMESTAMP'2026-01-02 12:00:00',1.0D),"
                + "('u3','d',TIMESTAMP'2026-01-02 13:00:00',1.0D) "
                + "AS t(user_id, item_id, ts, engagement)")
        .selectExpr("user_id", "item_id", "ts", "engagement", "to_date(ts) AS dt")
        .write()
        .format("delta")
        .partitionBy("dt")
        .save(target.path(Table.EVENTS));
    spark
        .sql(
            "SELECT * FROM VALUES ('a','ch1',array('x','y')),('b','ch1',array('y')),"
                + "('c','ch2',array()),('d',NULL,array('x')) AS t(item_id, channel, topics)")
        .write()
        .format("delta")
        .save(target.path(Table.ITEMS));
  }

  @Test
  void holdsOutEachUsersLatestEventWithItsPastAsHistory() {
    Map<String, Row> test =
        store.read(Table.TRAINING_EXAMPLES).where("split = 'test'").collectAsList().stream()
            .collect(Collectors.toMap(r -> r.getAs("user_id"), r -> r));

    assertThat(test).containsOnlyKeys("u1", "u2");
    assertThat(test.get("u1").<String>getAs("item_id")).isEqualTo("c");
    assertThat(test.get("u1").getList(test.get("u1").fieldIndex("history")))
        .containsExactly("b", "a");
    assertThat(test.get("u2").getList(test.get("u2").fieldIndex("history"))).containsExactly("a");
    assertThat(store.read(Table.TRAINING_EXAMPLES).count()).isEqualTo(6);
  }

  @Test
  void itemVocabularyComesFromTrainingEventsAndUnseenItemsHashIntoBuckets() {
    // Training events: a twice, b once, d once -> a=0, then b and d (count 1, by value) = 1, 2;
    // c is only held out, so it hashes into one of the 4 buckets 3..6, the same as Spark SQL's
    // hash.
    Vocabulary vocabulary = Vocabulary.fromTable(store.read(Table.VOCABULARIES));
    assertThat(vocabulary.index("item_id", "a")).isZero();
    assertThat(vocabulary.index("item_id", "b")).isEqualTo(1);
    assertThat(vocabulary.index("item_id", "d")).isEqualTo(2);
    int sqlBucket = spark.sql("SELECT 3 + pmod(hash('c'), 4)").first().getInt(0);
    assertThat(vocabulary.index("item_id", "c")).isEqualTo(sqlBucket).isBetween(3, 6);
    assertThat(vocabulary.cardinality("item_id")).isEqualTo(7);
    assertThat(vocabulary.itemFields()).containsExactly("channel", "topics");
  }

  @Test
  void encodesSingleAndMultiValuedFeaturesWithAnExplicitNone() {
    Vocabulary vocabulary = Vocabulary.fromTable(store.read(Table.VOCABULARIES));
    Dataset<Row> features = store.read(Table.ITEM_FEATURES);
    Map<String, Row> byItem =
        features.collectAsList().stream()
            .collect(Collectors.toMap(r -> r.getAs("item_id"), r -> r));
    Map<String, scala.collection.Seq<Integer>> d =
        scala.collection.JavaConverters.mapAsJavaMap(
            byItem.get("d").getJavaMap(2).isEmpty() ? null : byItem.get("d").getMap(2));
    assertThat(scala.collection.JavaConverters.seqAsJavaList(d.get("channel")))
        .containsExactly(vocabulary.index("channel", Vocabulary.NONE));
    Map<String, scala.collection.Seq<Integer>> c =
        scala.collection.JavaConverters.mapAsJavaMap(byItem.get("c").getMap(2));
    assertThat(scala.collection.JavaConverters.seqAsJavaList(c.get("topics")))
        .containsExactly(vocabulary.index("topics", Vocabulary.NONE));
    Map<String, scala.collection.Seq<Integer>> a =
        scala.collection.JavaConverters.mapAsJavaMap(byItem.get("a").getMap(2));
    List<Integer> aTopics = scala.collection.JavaConverters.seqAsJavaList(a.get("topics"));
    assertThat(aTopics)
        .containsExactlyInAnyOrder(
            vocabulary.index("topics", "x"), vocabulary.index("topics", "y"));
  }

  @Test
  void userFieldsAreEncodedOncePerUserWithNoneForMissingValuesAndUsers() {
    DeltaStore withUsers = new DeltaStore(spark, scratch.resolve("with-users"));
    writeLog(withUsers);
    // u1 north, u2 without a region, u3 without a row; u4 has no events but counts once.
    spark
        .sql(
            "SELECT * FROM VALUES ('u1','north'),('u2',CAST(NULL AS STRING)),('u4','south')"
                + " AS t(user_id, region)")
        .write()
        .format("delta")
        .save(withUsers.path(Table.USERS));

    FeaturesJob.run(withUsers, config(Map.of("features.user-fields", "[region]")), DateRange.ALL);

    // One occurrence each of <none> (u2), north and south: by value, '<' sorts first; 4 buckets.
    Vocabulary vocabulary = Vocabulary.fromTable(withUsers.read(Table.VOCABULARIES));
    assertThat(vocabulary.userFields()).containsExactly("region");
    assertThat(vocabulary.itemFields()).containsExactly("channel", "topics");
    assertThat(vocabulary.index("user.region", Vocabulary.NONE)).isZero();
    assertThat(vocabulary.index("user.region", "north")).isEqualTo(1);
    assertThat(vocabulary.cardinality("user.region")).isEqualTo(3 + 4);
    Map<String, Map<String, Integer>> byUser =
        withUsers.read(Table.TRAINING_EXAMPLES).collectAsList().stream()
            .collect(
                Collectors.toMap(
                    r -> r.getAs("user_id"),
                    r -> r.getJavaMap(r.fieldIndex("user_field_idx")),
                    (a, b) -> a));
    assertThat(byUser)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "u1", Map.of("region", 1), "u2", Map.of("region", 0), "u3", Map.of("region", 0)));
    assertThat(withUsers.read(Table.TRAINING_EXAMPLES).count()).isEqualTo(6);
  }

  @Test
  void userFieldsNeedStringColumnsOfAUsersTable() {
    DeltaStore bad = new DeltaStore(spark, scratch.resolve("bad-users"));
    writeLog(bad);
    JobConfig region = config(Map.of("features.user-fields", "[region]"));

    assertThatThrownBy(() -> FeaturesJob.run(bad, region, DateRange.ALL))
        .hasMessageContaining("features.user-fields = [region] but there is no users table")
        .hasMessageContaining("set features.user-fields = [] for this source");
    spark
        .sql("SELECT * FROM VALUES ('u1', 3) AS t(user_id, region)")
        .write()
        .format("delta")
        .save(bad.path(Table.USERS));
    assertThatThrownBy(() -> FeaturesJob.run(bad, region, DateRange.ALL))
        .hasMessageContaining("'region', which is not a STRING column of users")
        .hasMessageContaining("has the STRING columns []");
    assertThatThrownBy(() -> config(Map.of("features.user-fields", "[user_id]")))
        .hasMessageContaining("Invalid config value two-tower.features.user-fields = [user_id]");
  }

  @Test
  void datedRunsAppendNewItemsAndKeepEveryIndexAndBucket() {
    DeltaStore daily = new DeltaStore(spark, scratch.resolve("daily"));
    writeLog(daily);

    FeaturesJob.run(daily, config, DateRange.day(java.time.LocalDate.parse("2026-01-01")));
    // Training events up to the 1st: a twice, b once -> a=0, b=1, buckets 2..5 (d comes later).
    Vocabulary first = Vocabulary.fromTable(daily.read(Table.VOCABULARIES));
    assertThat(first.index("item_id", "a")).isZero();
    assertThat(first.index("item_id", "b")).isEqualTo(1);
    int dBucket = spark.sql("SELECT 2 + pmod(hash('d'), 4)").first().getInt(0);
    assertThat(first.index("item_id", "d")).isEqualTo(dBucket);
    assertThat(first.cardinality("item_id")).isEqualTo(6);

    FeaturesJob.run(daily, config, DateRange.day(java.time.LocalDate.parse("2026-01-02")));
    // d (trained on the 2nd) is appended after the buckets; nothing known moves.
    Vocabulary second = Vocabulary.fromTable(daily.read(Table.VOCABULARIES));
    assertThat(second.index("item_id", "a")).isZero();
    assertThat(second.index("item_id", "b")).isEqualTo(1);
    assertThat(second.index("item_id", "d")).isEqualTo(6);
    assertThat(second.cardinality("item_id")).isEqualTo(7);
    // c is still only held out: it hashes to the same bucket as yesterday.
    assertThat(second.index("item_id", "c")).isEqualTo(first.index("item_id", "c"));
    assertThat(second.index("channel", "ch2")).isEqualTo(first.index("channel", "ch2"));
    Map<String, Integer> itemIdx =
        daily.read(Table.TRAINING_EXAMPLES).collectAsList().stream()
            .collect(
                Collectors.toMap(
                    r -> r.<String>getAs("user_id") + "/" + r.getAs("item_id"),
                    r -> r.<Integer>getAs("item_idx")));
    assertThat(itemIdx)
        .containsEntry("u1/a", 0)
        .containsEntry("u1/b", 1)
        .containsEntry("u2/a", 0)
        .containsEntry("u3/d", 6);
  }

  @Test
  void otherBucketsThanTheVocabulariesFailNamingTheKey() {
    assertThatThrownBy(
            () ->
                FeaturesJob.run(store, config(Map.of("features.oov-buckets", "8")), DateRange.ALL))
        .hasMessageContaining("features.oov-buckets = 8 but the vocabularies give field")
        .hasMessageContaining("4 buckets")
        .hasMessageContaining("set features.oov-buckets = 4");
  }

  @Test
  void rerunIsIdempotent() {
    long before = store.read(Table.TRAINING_EXAMPLES).count();
    FeaturesJob.run(store, config, DateRange.ALL);
    assertThat(store.read(Table.TRAINING_EXAMPLES).count()).isEqualTo(before);
    assertThat(store.read(Table.VOCABULARIES).where("field = 'item_id'").count()).isEqualTo(7);
  }

  static {
    ConfigFactory.invalidateCaches();
  }
}
