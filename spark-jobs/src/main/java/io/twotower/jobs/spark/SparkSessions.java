package io.twotower.jobs.spark;

import io.twotower.jobs.config.SparkConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the one SparkSession a job runs in: Delta enabled, Kryo with ND4J's registrator. */
public final class SparkSessions {

  private SparkSessions() {}

  /**
   * A session for {@code config}. Under spark-submit the submitted master and settings win; the
   * config's master is only used when none was given (plain {@code java -jar} or tests).
   */
  public static SparkSession create(SparkConfig config) {
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
