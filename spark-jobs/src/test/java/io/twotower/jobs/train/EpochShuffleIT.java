package io.twotower.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.SparkTestSession;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The order batches are cut from: fixed by seed and epoch, new each epoch, input-split-free. */
class EpochShuffleIT {

  @SparkTestSession static SparkSession spark;

  static Dataset<Row> examples(int inputPartitions) {
    return spark
        .range(2_000)
        .selectExpr(
            "concat('u', id % 97) AS user_id",
            "CAST(id * 60 AS timestamp) AS ts", "CAST(id % 311 AS int) AS item_idx")
        .repartition(inputPartitions);
  }

  /** Each partition's rows in order, partitions in order: what the batcher sees. */
  static List<? extends List<String>> order(Dataset<Row> shuffled) {
    return shuffled
        .toJavaRDD()
        .glom()
        // An ArrayList: Kryo cannot rebuild the immutable list Stream.toList() gives.
        .map(
            rows ->
                rows.stream()
                    .map(r -> r.getString(0) + "@" + r.get(1))
                    .collect(Collectors.toCollection(ArrayList::new)))
        .collect();
  }

  @Test
  void theOrderDependsOnSeedAndEpochOnlyNotOnHowTheInputIsSplit() {
    List<? extends List<String>> threeInputFiles = order(TrainJob.shuffled(examples(3), 4, 42, 0));
    List<? extends List<String>> sevenInputFiles = order(TrainJob.shuffled(examples(7), 4, 42, 0));

    assertThat(threeInputFiles).hasSize(4).isEqualTo(sevenInputFiles);
    assertThat(threeInputFiles.stream().mapToInt(List::size).sum()).isEqualTo(2_000);
    assertThat(order(TrainJob.shuffled(examples(3), 4, 42, 1))).isNotEqualTo(threeInputFiles);
    assertThat(order(TrainJob.shuffled(examples(3), 4, 43, 0))).isNotEqualTo(threeInputFiles);
  }

  @Test
  void batchesMixUsersInsteadOfFollowingTheInputOrder() {
    List<String> firstPartition = order(TrainJob.shuffled(examples(1), 4, 42, 0)).get(0);
    // In input order the first 97 rows are 97 users in sequence (u0, u1, ...); shuffled, the
    // first 97 rows are not u0..u96 in order.
    List<String> users = firstPartition.subList(0, 97).stream().map(s -> s.split("@")[0]).toList();
    assertThat(users).isNotEqualTo(IntStream.range(0, 97).mapToObj(i -> "u" + i).toList());
    assertThat(users.stream().distinct().count()).isGreaterThan(50);
  }
}
