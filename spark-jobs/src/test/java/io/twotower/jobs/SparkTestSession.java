package io.twotower.jobs;

import io.twotower.jobs.spark.SparkSessions;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The one way tests get Spark: a real local[2] session with Delta and Kryo set up exactly as the
 * jobs set them up. Create it in {@code @BeforeAll}, stop it in {@code @AfterAll}: one per class.
 */
public final class SparkTestSession {

  private SparkTestSession() {}

  public static SparkSession create(Path scratch) {
    return SparkSessions.withRequiredSettings(
            SparkSession.builder()
                .master("local[2]")
                .appName("two-tower-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.default.parallelism", "2")
                .config("spark.sql.warehouse.dir", scratch.resolve("warehouse").toString())
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1"))
        .getOrCreate();
  }
}
