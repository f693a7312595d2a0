package io.twotower.jobs.features;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.FeaturesConfig;
import io.twotower.jobs.config.FeaturesConfig.Split;
import io.twotower.jobs.config.JobConfig;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HeldOutSplitIT {

  @SparkTestSession static SparkSession spark;
  static Dataset<Row> events;

  @BeforeAll
  static void setUp() {
    // u1: a b, then c and d at the same second (d counts as the later: item id breaks ties), e.
    // u2: two events. u3: three events.
    events =
        spark
            .sql(
                "SELECT * FROM VALUES "
                    + "('u1','a',1),('u1','b',2),('u1','c',3),('u1','d',3),('u1','e',4),"
                    + "('u2','a',1),('u2','b',2),"
                    + "('u3','a',1),('u3','b',2),('u3','c',3) AS t(user_id, item_id, s)")
            .selectExpr(
                "user_id",
                "item_id",
                "timestamp_seconds(1767225600 + s) AS ts",
                "DATE'2026-01-01' AS dt");
  }

  @Test
  void leaveLastNOutHoldsOutTheNLatestEventsOfUsersWithMoreThanN() {
    // N = 2: u1 e and d (d beats c on the tie); u2 has only 2 events, all train; u3 c and b.
    assertThat(heldOut(HeldOutSplit.assign(events, Split.LEAVE_LAST_N_OUT, 1, 2)))
        .containsExactlyInAnyOrder("u1:e", "u1:d", "u3:c", "u3:b");
  }

  @Test
  void leaveLastOutIsLeaveLastNOutWithNOne() {
    Set<String> leaveLastOut = heldOut(HeldOutSplit.assign(events, Split.LEAVE_LAST_OUT, 1, 5));
    assertThat(leaveLastOut).containsExactlyInAnyOrder("u1:e", "u2:b", "u3:c");
    assertThat(heldOut(HeldOutSplit.assign(events, Split.LEAVE_LAST_N_OUT, 1, 1)))
        .isEqualTo(leaveLastOut);
  }

  @Test
  void configNamesTheSplitWithItsN() {
    FeaturesConfig features =
        JobConfig.from(
                ConfigLoader.load(
                    null,
                    Map.of("features.split", "leave-last-n-out", "features.test-events", "5")))
            .features();
    assertThat(features.split()).isEqualTo(Split.LEAVE_LAST_N_OUT);
    assertThat(features.testEvents()).isEqualTo(5);
    assertThat(features.splitName()).isEqualTo("leave-last-5-out");
    assertThat(JobConfig.from(ConfigLoader.load(null, Map.of())).features().splitName())
        .isEqualTo("leave-last-out");
  }

  private static Set<String> heldOut(Dataset<Row> labelled) {
    return labelled.where("split = 'test'").collectAsList().stream()
        .map(r -> r.getAs("user_id") + ":" + r.getAs("item_id"))
        .collect(Collectors.toSet());
  }
}
