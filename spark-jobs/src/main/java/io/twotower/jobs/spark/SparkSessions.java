package io.twotower.jobs.spark;

import io.twotower.jobs.config.SparkConfig;
import io.twotower.towers.ComputeBackend;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the one SparkSession a job runs in: Delta enabled, Kryo with ND4J's registrator. */
public final class SparkSessions {

  private static final Logger LOG = LoggerFactory.getLogger(SparkSessions.class);

  private SparkSessions() {}

  /**
   * A session for {@code config}. Under spark-submit the submitted master and settings win; the
   * config's master is only used when none was given (plain {@code java -jar} or tests). Every job
   * starts here, so this is also where the driver's ND4J backend and devices are logged (-Pcuda
   * builds swap the backend; executors load the same one from the same jar).
   */
  public static SparkSession create(SparkConfig config) {
    LOG.info(ComputeBackend.describe());
    SparkConf submitted = new SparkConf();
    SparkSession.Builder builder = SparkSession.builder().appName(config.appName());
    if (!submitted.contains("spark.master")) {
      builder.master(config.master());
    }
    config
        .conf()
        .forEach(
            (key, value) -> {
              if (!submitted.contains(key)) {
                builder.config(key, value);
              }
            });
    return withRequiredSettings(builder).getOrCreate();
  }

  /** Settings every session of this project needs, whoever builds it (jobs, tests, notebooks). */
  public static SparkSession.Builder withRequiredSettings(SparkSession.Builder builder) {
    return builder
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config(
            "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")
        .config("spark.sql.session.timeZone", "UTC");
  }
}
