package io.twotower.jobs.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.PipelineJob;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import io.twotower.jobs.storage.MotoS3Server;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.towers.TwoTowerModel;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline with data-dir on an object store: a real S3 API server (moto, see {@link
 * MotoS3Server}) on 127.0.0.1, reached through s3a:// with hadoop-aws. Every table, the streaming
 * estimator's state and the model must land in the bucket and read back through s3a; nothing
 * touches the local disk under data-dir.
 */
class S3PipelineIT {

  static final String BUCKET = "two-tower-it";
  static final int USERS = 200;
  static final int ITEMS = 300;
  static final int TOP_K = 10;

  @SparkTestSession static SparkSession spark;
  static MotoS3Server s3;
  static DeltaStore store;
  static HadoopFiles files;

  @BeforeAll
  static void runThePipelineOnS3() throws Exception {
    s3 = MotoS3Server.start();
    s3.createBucket(BUCKET);
    // As `--conf spark.hadoop.fs.s3a.*=...` would set them.
    s3.configure(spark.sparkContext().hadoopConfiguration());

    Map<String, String> small = new LinkedHashMap<>();
    small.put("data-dir", "s3a://" + BUCKET + "/two-tower");
    small.put("synthetic.users", Integer.toString(USERS));
    small.put("synthetic.items", Integer.toString(ITEMS));
    small.put("synthetic.channels", "30");
    small.put("synthetic.events-per-user", "10");
    small.put("synthetic.days", "3");
    small.put("features.history-length", "10");
    // The streaming estimator, so its saved state goes to the bucket too.
    small.put("sampling.estimator", "streaming");
    small.put("train.epochs", "1");
    small.put("train.batch-size", "128");
    small.put("train.splits-per-epoch", "1");
    small.put("train.item-embedding-dim", "8");
    small.put("train.query-hidden", "[16]");
    small.put("train.item-hidden", "[16]");
    small.put("train.output-dim", "8");
    small.put("export.top-k", Integer.toString(TOP_K));
    JobConfig config = JobConfig.from(ConfigLoader.load(null, small));
    assertThat(config.dataDir().toString()).isEqualTo("s3a://" + BUCKET + "/two-tower");

    store = new DeltaStore(spark, config.dataDir());
    files = store.files();
    PipelineJob.run(store, config, DateRange.ALL);
  }

  @AfterAll
  static void stopTheServer() throws IOException {
    if (files != null) {
      // The cached s3a file system points at this server's port; no later class may reuse it.
      FileSystem.get(store.dataDir().hadoopPath().toUri(), files.configuration()).close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void everyTableIsADeltaTableInTheBucketWithTheExpectedRows() throws IOException {
    assertThat(files.list(store.dataDir()))
        .contains(
            "events",
            "items",
            "training_examples",
            "item_sampling_probability",
            "evaluations",
            "item_embeddings",
            "user_candidates",
            "models",
            "sampling-state");
    assertThat(files.list(store.dataDir().resolve("events"))).contains("_delta_log");
    assertThat(store.path(Table.EVENTS)).isEqualTo("s3a://" + BUCKET + "/two-tower/events");

    long events = store.read(Table.EVENTS).count();
    assertThat(events).isGreaterThan(USERS);
    assertThat(store.read(Table.ITEMS).count()).isEqualTo(ITEMS);
    // One example per event.
    assertThat(store.read(Table.TRAINING_EXAMPLES).count()).isEqualTo(events);
    assertThat(store.read(Table.ITEM_SAMPLING_PROBABILITY).count()).isPositive();
    assertThat(store.read(Table.EVALUATIONS).count()).isPositive();
    assertThat(store.read(Table.ITEM_EMBEDDINGS).count()).isEqualTo(ITEMS);
  }

  @Test
  void theStreamingEstimatorsStateIsInTheBucket() throws IOException {
    assertThat(files.list(store.dataDir().resolve("sampling-state")))
        .singleElement()
        .satisfies(name -> assertThat(name).matches("streaming-\\d{4}-\\d{2}-\\d{2}\\.state"));
  }

  @Test
  void latestNamesACompleteModelThatLoadsFromTheBucket() throws IOException {
    ModelStore models = new ModelStore(store);
    String id = models.latestId();
    DataLocation dir = models.root().resolve(id);

    assertThat(files.list(models.root())).containsExactlyInAnyOrder("LATEST", id);
    assertThat(files.list(dir)).containsExactlyInAnyOrder("towers", "metadata.json", "_SUCCESS");
    assertThat(models.metadata(id)).contains("\"model_id\" : \"" + id + "\"");
    TwoTowerModel model = models.load(id);
    assertThat(model.config().itemEmbeddingDim()).isEqualTo(8);
  }

  @Test
  void theCandidatesOfEveryUserAreInTheBucketForTheLatestModel() {
    String id = new ModelStore(store).latestId();
    // Every user with events is exported, top-k candidates each (300 items leave every user more
    // than k unseen ones).
    long users = store.read(Table.EVENTS).select("user_id").distinct().count();
    assertThat(users).isBetween(USERS * 9L / 10, (long) USERS);
    assertThat(store.read(Table.USER_CANDIDATES).count()).isEqualTo(users * TOP_K);
    assertThat(store.read(Table.USER_CANDIDATES).where("model_id <> '" + id + "'").count())
        .isZero();
  }
}
