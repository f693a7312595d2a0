package io.twotower.sampling;

import org.apache.spark.sql.SparkSession;

/** The local Spark every Spark test class shares: start once in @BeforeAll, stop in @AfterAll. */
final class LocalSpark {

  private LocalSpark() {}

  static SparkSession start(String testClass) {
    return SparkSession.builder()
        .master("local[2]")
        .appName(testClass)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate();
  }
}
