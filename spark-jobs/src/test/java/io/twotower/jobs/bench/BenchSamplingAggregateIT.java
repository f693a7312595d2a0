package io.twotower.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark command end to end on a small log: every method runs and is reported. */
class BenchSamplingAggregateIT {

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;

  @Test
  void timesEveryMethodAndWritesEachRepetitionAndTheSummary() throws Exception {
    BenchSamplingAggregateCommand bench = new BenchSamplingAggregateCommand();
    bench.events = 20_000;
    bench.items = 500;
    bench.days = 3;
    bench.repetitions = 2;
    bench.out = scratch.resolve("bench").toString();

    bench.run(spark);

    List<String> methods =
        List.of(
            "groupBy-count",
            "groupBy-item-day-count",
            "estimate",
            "estimate-decay",
            "daily-counts",
            "from-daily-counts-decay");
    List<String> results = Files.readAllLines(scratch.resolve("bench").resolve("results.csv"));
    assertThat(results).hasSize(1 + methods.size() * bench.repetitions);
    List<String> summary = Files.readAllLines(scratch.resolve("bench").resolve("summary.csv"));
    assertThat(summary.subList(1, summary.size()))
        .extracting(line -> line.split(",")[0])
        .containsExactlyElementsOf(methods);
    assertThat(summary.subList(1, summary.size()))
        .allSatisfy(
            line -> {
              String[] fields = line.split(",");
              assertThat(Double.parseDouble(fields[1])).as(line).isPositive();
              assertThat(fields[3]).isIn("groupBy-count", "groupBy-item-day-count");
              assertThat(fields[5]).isEqualTo("20000");
            });
  }
}
