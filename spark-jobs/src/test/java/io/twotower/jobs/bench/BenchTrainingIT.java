package io.twotower.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * bench-training once on a tiny synthetic log, every part included: sgemm and the towers alone in
 * child JVMs with 1 and 2 threads, the train stage in its own JVM on local[2], and the TFRS peer in
 * its virtual environment (built under target/venv-tfrs with pip on first use, like the pyspark and
 * moto ones). Checks the table, summary.csv and the PNG, and that the numbers are measured now and
 * plausible: rates above zero and below any machine's reach, recall within [0, 1] and @10 <= @100,
 * a peak resident set for every process.
 */
class BenchTrainingIT {

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;

  @Test
  void measuresEveryPartAndWritesTheTableCsvAndPng() throws Exception {
    Instant started = Instant.now();
    Path out = scratch.resolve("bench");
    BenchTrainingCommand bench = new BenchTrainingCommand();
    new CommandLine(bench)
        .parseArgs(
            "--source", "synthetic",
            "--events", "3000",
            "--items", "150",
            "--epochs", "2",
            "--towers-epochs", "2",
            // ND4J with 2 OpenMP threads crawls on a loaded 2-core machine (minutes for 3,000
            // examples at a load of 20): the towers-alone runs take a slice, enough for a rate.
            "--towers-examples", "640",
            "--batch-size", "64",
            "--out", out.toString(),
            "--set", "synthetic.channels=10",
            "--set", "synthetic.topics=4",
            "--set", "features.history-length=10",
            "--set", "train.splits-per-epoch=1",
            "--set", "train.item-embedding-dim=16",
            "--set", "train.field-embedding-dim=4",
            "--set", "train.query-hidden=[32]",
            "--set", "train.item-hidden=[32]",
            "--set", "train.output-dim=16");

    bench.runOn(spark);

    Map<String, Map<String, String>> rows = summary(out.resolve("summary.csv"));
    assertThat(rows.keySet())
        .contains(
            "sgemm (model's products)|1 thread(s) (nd4j 1; blas 1)",
            "sgemm (model's products)|2 thread(s) (nd4j 2; blas 2)",
            "towers alone (LocalTrainer)|1 thread(s) (nd4j 1; blas 1)",
            "towers alone (LocalTrainer)|2 thread(s) (nd4j 2; blas 2)",
            "popularity|training counts");
    Map<String, String> train = only(rows, TrainingBenchReport.TRAIN);
    Map<String, String> peer = only(rows, TrainingBenchReport.PEER);
    for (Map<String, String> row : rows.values()) {
      if (!row.get("gflops").isEmpty()) {
        // Measured, so above zero (a tiny model on a loaded machine reaches only a few MFLOP/s),
        // and below what any CPU this runs on does in fp32.
        assertThat(Double.parseDouble(row.get("gflops"))).isStrictlyBetween(0.0, 5_000.0);
      }
      if (!row.get("recall_at_10").isEmpty()) {
        double at10 = Double.parseDouble(row.get("recall_at_10"));
        double at100 = Double.parseDouble(row.get("recall_at_100"));
        assertThat(at10).isBetween(0.0, 1.0);
        assertThat(at100).isBetween(at10, 1.0);
      }
    }
    for (Map<String, String> row : List.of(train, peer)) {
      assertThat(Double.parseDouble(row.get("examples_per_second"))).isBetween(1.0, 1e7);
      // 100 items of 150 at @100: a trained model finds some held-out items.
      assertThat(Double.parseDouble(row.get("recall_at_100"))).isGreaterThan(0.0);
      // Every JVM and the Python peer hold more than 100 MB resident.
      assertThat(Long.parseLong(row.get("peak_rss_bytes"))).isGreaterThan(100_000_000L);
    }
    assertThat(Double.parseDouble(peer.get("ratio_to_peer"))).isEqualTo(1.0);

    // Measured by this run, not read from an earlier one.
    for (String file :
        List.of("train-42.properties", "towers-1.properties", "data/peer-42/results.json")) {
      assertThat(Files.getLastModifiedTime(out.resolve(file)))
          .isGreaterThan(FileTime.from(started));
    }
    String table = Files.readString(out.resolve("table.txt"));
    assertThat(table)
        .contains("tfrs-peer", "train-stage", "fit + parameter averaging", "load average");
    byte[] png = Files.readAllBytes(out.resolve("training-throughput.png"));
    assertThat(Arrays.copyOf(png, 4)).isEqualTo(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
  }

  /** summary.csv's rows by "part|setting" (settings are unique per part except seeds). */
  private static Map<String, Map<String, String>> summary(Path csv) throws Exception {
    List<String> lines = Files.readAllLines(csv);
    String[] header = lines.get(0).split(",", -1);
    Map<String, Map<String, String>> rows = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] values = line.split(",", -1);
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < header.length; i++) {
        row.put(header[i], values[i]);
      }
      rows.put(row.get("part") + "|" + row.get("setting"), row);
    }
    return rows;
  }

  private static Map<String, String> only(Map<String, Map<String, String>> rows, String part) {
    List<Map<String, String>> matching =
        rows.values().stream().filter(r -> r.get("part").equals(part)).toList();
    assertThat(matching).hasSize(1);
    return matching.get(0);
  }
}
