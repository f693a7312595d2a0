package io.twotower.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The synthetic source ingested directly, and through generate's Parquet files as a generic one.
 */
class GenerateAndIngestIT {

  static final Map<String, String> SMALL =
      Map.of(
          "synthetic.users", "200",
          "synthetic.items", "300",
          "synthetic.channels", "20",
          "synthetic.topics", "8",
          "synthetic.events-per-user", "20",
          "synthetic.days", "5");

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;

  @Test
  void generatedFilesIngestAsGenericLikeTheSyntheticSource() {
    JobConfig synthetic = config(scratch.resolve("synthetic"), Map.of());
    DeltaStore direct = new DeltaStore(spark, synthetic.dataDir());
    IngestJob.run(direct, synthetic, DateRange.ALL);

    Path raw = scratch.resolve("generic").resolve("raw").resolve("synthetic");
    JobConfig generic =
        config(
            scratch.resolve("generic"),
            Map.of(
                "source.kind",
                "generic",
                "source.generic.format",
                "parquet",
                "source.generic.events-path",
                raw.resolve("events").toString(),
                "source.generic.items-path",
                raw.resolve("items").toString()));
    DeltaStore viaFiles = new DeltaStore(spark, generic.dataDir());
    GenerateJob.run(viaFiles, generic, DateRange.ALL);
    IngestReport report =
        IngestJob.ingest(viaFiles, IngestJob.read(spark, generic), DateRange.ALL, generic.ingest());

    // Synthetic logs have no bad rows; 200 users x Poisson(20) ~ 4,000 events over 5 days.
    assertThat(report.eventsQuarantined()).isEmpty();
    assertThat(report.itemsValid()).isEqualTo(300);
    assertThat(report.users()).isEqualTo(200);
    assertThat(report.days()).isEqualTo(5);
    assertThat(report.eventsValid()).isBetween(3_600L, 4_400L);
    assertThat(viaFiles.read(Table.EVENTS).exceptAll(direct.read(Table.EVENTS)).count()).isZero();
    assertThat(direct.read(Table.EVENTS).count()).isEqualTo(report.eventsValid());
    // Parquet arrays stay multi-valued without being listed.
    assertThat(viaFiles.read(Table.ITEMS).schema().apply("topics").dataType().simpleString())
        .isEqualTo("array<string>");
    assertThat(viaFiles.read(Table.ITEMS).exceptAll(direct.read(Table.ITEMS)).count()).isZero();
  }

  private static JobConfig config(Path dataDir, Map<String, String> overrides) {
    Map<String, String> all = new HashMap<>(SMALL);
    all.putAll(overrides);
    all.put("data-dir", dataDir.toString());
    return JobConfig.from(ConfigLoader.load(null, all));
  }
}
