package io.twotower.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.SparkTestSession;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The order batches are cut from: fixed by seed and epoch, new each epoch, input-split-free, with
 * one Spark shuffle for the whole training (placing), none per epoch.
 */
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

  /** Epoch {@code epoch}'s order of {@code examples} placed in 4 partitions. */
  static List<? extends List<String>> order(Dataset<Row> examples, long seed, int epoch) {
    return order(
        EpochBatches.inEpochOrder(EpochBatches.placed(examples, 4, seed).toJavaRDD(), seed, epoch));
  }

  /** Each partition's rows in order, partitions in order: what the batcher sees. */
  static List<? extends List<String>> order(JavaRDD<Row> ordered) {
    return ordered
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
    List<? extends List<String>> threeInputFiles = order(examples(3), 42, 0);
    List<? extends List<String>> sevenInputFiles = order(examples(7), 42, 0);

    assertThat(threeInputFiles).hasSize(4).isEqualTo(sevenInputFiles);
    assertThat(threeInputFiles.stream().mapToInt(List::size).sum()).isEqualTo(2_000);
    assertThat(order(examples(3), 43, 0)).isNotEqualTo(threeInputFiles);
  }

  @Test
  void everyEpochReordersEveryPartitionWithoutMovingExamplesBetweenThem() {
    List<? extends List<String>> first = order(examples(3), 42, 0);
    List<? extends List<String>> second = order(examples(3), 42, 1);

    for (int p = 0; p < first.size(); p++) {
      assertThat(second.get(p)).as("partition %d", p).isNotEqualTo(first.get(p));
      assertThat(second.get(p))
          .as("partition %d", p)
          .containsExactlyInAnyOrderElementsOf(first.get(p));
    }
  }

  @Test
  void batchesMixUsersInsteadOfFollowingTheInputOrder() {
    List<String> firstPartition = order(examples(1), 42, 0).get(0);
    // In input order the first 97 rows are 97 users in sequence (u0, u1, ...); shuffled, the
    // first 97 rows are not u0..u96 in order.
    List<String> users = firstPartition.subList(0, 97).stream().map(s -> s.split("@")[0]).toList();
    assertThat(users).isNotEqualTo(IntStream.range(0, 97).mapToObj(i -> "u" + i).toList());
    assertThat(users.stream().distinct().count()).isGreaterThan(50);
  }
}
