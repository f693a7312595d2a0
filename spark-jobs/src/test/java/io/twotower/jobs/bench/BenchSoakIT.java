package io.twotower.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.bench.BenchSoakCommand.Day;
import io.twotower.jobs.bench.BenchSoakCommand.Soak;
import io.twotower.jobs.tables.DeltaStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** bench-soak for two days on a tiny log: every stage timed, memory sampled, files written. */
class BenchSoakIT {

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;

  @Test
  void runsEveryStageEachDayAndSamplesMemory() throws Exception {
    Path dataDir = scratch.resolve("data");
    BenchSoakCommand bench = new BenchSoakCommand();
    new CommandLine(bench)
        .parseArgs(
            "--days",
            "2",
            "--scale",
            "2",
            "--data-dir",
            dataDir.toString(),
            // --scale doubles these: 80 users, 60 items.
            "--set",
            "synthetic.users=40",
            "--set",
            "synthetic.items=30",
            "--set",
            "synthetic.channels=6",
            "--set",
            "synthetic.topics=3",
            "--set",
            "synthetic.events-per-user=12",
            "--set",
            "features.history-length=5",
            "--set",
            "train.batch-size=32",
            "--set",
            "train.epochs=1",
            "--set",
            "train.splits-per-epoch=1",
            "--set",
            "train.item-embedding-dim=8",
            "--set",
            "train.field-embedding-dim=4",
            "--set",
            "train.query-hidden=[16]",
            "--set",
            "train.item-hidden=[16]",
            "--set",
            "train.output-dim=8",
            "--set",
            "export.top-k=5");

    Soak soak = bench.runOn(new DeltaStore(spark, dataDir));

    List<Day> days = soak.days();
    assertThat(days)
        .extracting(d -> d.day().toString())
        .containsExactly("2026-01-01", "2026-01-02");
    for (Day day : days) {
      assertThat(day.seconds().keySet()).containsExactlyElementsOf(BenchSoakCommand.STAGES);
      assertThat(day.seconds().values()).allSatisfy(s -> assertThat(s).isPositive());
      // The heap after GC holds at least Spark's and ND4J's classes' statics; the peak RSS of
      // the day is at least the RSS at its end.
      assertThat(day.heapAfterGcBytes()).isPositive();
      assertThat(day.peakRssBytes()).isGreaterThanOrEqualTo(day.rssBytes()).isPositive();
      // Metaspace holds Spark's classes; JavaCPP's buffers may all be collected by then.
      assertThat(day.nonHeapBytes()).isPositive();
      assertThat(day.javacppBytes()).isNotNegative();
    }
    Path out = dataDir.resolve("bench").resolve("soak");
    assertThat(Files.readAllLines(out.resolve("summary.csv")))
        .hasSize(3)
        .first()
        .asString()
        .startsWith("day,ingest_seconds,features_seconds,sampling_seconds,train_seconds");
    assertThat(out.resolve("memory-by-day.png")).isNotEmptyFile();
    assertThat(bench.table(soak)).contains("2026-01-02").contains("MB/day (rule: both <= 16.0");
  }
}
