package io.twotower.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.bench.BenchDailyCommand.Day;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * bench-daily end to end on a tiny synthetic log of 3 + 1 days: both arms train and are scored on
 * the next day every day, the incremental models form one chain, and the scratch model of day D
 * trains on exactly the rows the incremental models of days 1..D trained on one day at a time.
 */
class BenchDailyIT {

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;

  @Test
  void trainsBothArmsEveryDayAndScoresThemOnTheNextDay() throws Exception {
    Path dataDir = scratch.resolve("data");
    BenchDailyCommand bench = new BenchDailyCommand();
    new CommandLine(bench)
        .parseArgs(
            "--days",
            "3",
            "--k",
            "10",
            "--data-dir",
            dataDir.toString(),
            "--set",
            "synthetic.users=80",
            "--set",
            "synthetic.items=60",
            "--set",
            "synthetic.channels=10",
            "--set",
            "synthetic.topics=4",
            "--set",
            "synthetic.events-per-user=16",
            "--set",
            "features.history-length=5",
            "--set",
            "train.batch-size=32",
            "--set",
            "train.epochs=2",
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
            "evaluate.ks=[10,50]");
    DeltaStore store = new DeltaStore(spark, dataDir);

    List<Day> days = bench.runOn(store);

    assertThat(days)
        .extracting(d -> d.day().toString())
        .containsExactly("2026-01-01", "2026-01-02", "2026-01-03");
    long incrementalSoFar = 0;
    String previous = null;
    ModelStore models = new ModelStore(store);
    for (Day day : days) {
      incrementalSoFar += day.examples().get(BenchDailyCommand.INCREMENTAL);
      // replay-days = 0: day D's incremental model fits day D's rows alone, scratch all of 1..D.
      assertThat(day.examples().get(BenchDailyCommand.SCRATCH)).isEqualTo(incrementalSoFar);
      assertThat(day.examples().get(BenchDailyCommand.INCREMENTAL)).isPositive();
      String incremental = day.modelIds().get(BenchDailyCommand.INCREMENTAL);
      var metadata = ConfigFactory.parseString(models.metadata(incremental));
      assertThat(metadata.hasPath("parent_model_id") ? metadata.getString("parent_model_id") : null)
          .isEqualTo(previous);
      assertThat(metadata.getString("trained_through")).isEqualTo(day.day().toString());
      previous = incremental;
      assertThat(day.queries()).isPositive();
      assertThat(day.recall().values())
          .allSatisfy(
              r -> assertThat(r).hasSize(2).allSatisfy(x -> assertThat(x).isBetween(0.0, 1.0)));
      for (String model : day.modelIds().values()) {
        List<Row> rows =
            store.read(Table.EVALUATIONS).where("model_id = '" + model + "'").collectAsList();
        assertThat(rows)
            .isNotEmpty()
            .allSatisfy(
                r -> {
                  assertThat(r.<String>getAs("protocol")).isEqualTo("next-day");
                  assertThat(r.<Date>getAs("test_from").toLocalDate())
                      .isEqualTo(day.day().plusDays(1));
                });
      }
    }
    Path out = dataDir.resolve("bench").resolve("daily");
    assertThat(Files.readAllLines(out.resolve("daily.csv"))).hasSize(1 + 3 * 3);
    assertThat(out.resolve("recall-by-day.png")).isNotEmptyFile();
    assertThat(out.resolve("train-seconds-by-day.png")).isNotEmptyFile();
  }
}
