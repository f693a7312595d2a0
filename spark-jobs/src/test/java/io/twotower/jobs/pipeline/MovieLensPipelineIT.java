package io.twotower.jobs.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.SharedData;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.Stages;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.evaluate.EvaluateJob;
import io.twotower.jobs.evaluate.RecallAtK.Recall;
import io.twotower.jobs.evaluate.RecallReport;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.train.TrainJob;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline with conf/movielens.conf on ../shared/data/ml-latest-small (MovieLens is never
 * copied into the repository; users download it from GroupLens), then the README's headline: a
 * second model, the plain in-batch softmax (train.correction = none), trained on the same tables
 * and scored on the same held-out events as the pipeline's corrected one. Leave-last-out split: 610
 * held-out events; the popularity baseline is computed in the same run on the same events.
 *
 * <p>Both models train {@value #EPOCHS} epochs instead of the config's 8, so that the two trainings
 * together cost what the pipeline's one used to; the gap is as clear at {@value #EPOCHS} (measured
 * below).
 */
class MovieLensPipelineIT {

  static final int EPOCHS = 4;
  static final double TEMPERATURE = 0.1;
  static final int K = 100;

  // Measured by hand at 4 epochs and tau 0.1 with train.seed 42, 43, 44, on the tables of
  //   spark-jobs/bin/two-tower pipeline --config conf/movielens.conf --set data-dir=D
  // by this test's run (seed 42) and
  //   spark-jobs/bin/two-tower compare --config conf/movielens.conf --set data-dir=D \
  //     --set train.epochs=4 [--set train.seed=43] --vary train.correction=none,paper --seeds 3
  // Recall@100 on the 610 held-out events (popularity 0.197):
  //   corrected (paper) 0.3459 0.3557 0.3393, mean 0.347, sd 0.008
  //   plain (none)      0.2197 0.2246 0.2164, mean 0.220, sd 0.004 (seed 44: pipeline with
  //   --set train.correction=none --set train.seed=44 --set train.epochs=4 --set
  //   train.temperature=0.1)
  // Seed 42's plain run gave 0.2197 both in `compare` and here: a seed repeats on this machine.
  // The margin is half the mean gap (0.127): a single corrected and plain run differ with sd
  // sqrt(0.008^2 + 0.004^2) = 0.009, and two plain runs with sqrt(2) x 0.004 = 0.005, so 0.06 is
  // 7 sd below the gap and 12 above zero; with README's wider 8-epoch spread (sd 0.016 each side)
  // still about 3 either way. It holds with the correction and fails without it.
  static final double PLAIN_SOFTMAX_MARGIN = 0.06;

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;
  static RecallReport report;
  static double plainRecall;

  @BeforeAll
  static void runPipelineThenThePlainSoftmax() {
    Path movielens = SharedData.requireMlLatestSmall();
    Map<String, String> overrides = new LinkedHashMap<>();
    overrides.put("data-dir", scratch.resolve("data").toString());
    overrides.put("source.movielens-path", movielens.toString());
    overrides.put("train.epochs", Integer.toString(EPOCHS));
    // The temperature the margin below was measured at; conf/movielens.conf now has the
    // validation-selected 0.05, whose corrected-vs-plain gap on validation was wider still.
    overrides.put("train.temperature", Double.toString(TEMPERATURE));
    JobConfig config = load(overrides);
    DeltaStore store = new DeltaStore(spark, config.dataDir());
    for (Stages stage : Stages.pipelineOrder()) {
      if (stage == Stages.EVALUATE) {
        report = EvaluateJob.run(store, config, DateRange.ALL);
      } else {
        stage.stage().run(store, config, DateRange.ALL);
      }
    }

    // As `compare --vary train.correction=none` would: same tables, same held-out events.
    overrides.put("train.correction", "none");
    JobConfig plain = load(overrides);
    TrainJob.Result trained = TrainJob.train(store, plain, DateRange.ALL);
    Dataset<Row> heldOut = EvaluateJob.heldOutQueries(store, plain, DateRange.ALL);
    try {
      Recall recall =
          EvaluateJob.twoTowerRecall(store, trained.model(), heldOut, plain.evaluateKs());
      assertThat(recall.queries()).isEqualTo(610);
      plainRecall = recall.recall().get(plain.evaluateKs().indexOf(K));
    } finally {
      heldOut.unpersist();
    }
  }

  private static JobConfig load(Map<String, String> overrides) {
    Path conf = SharedData.repositoryRoot().resolve("conf/movielens.conf");
    return JobConfig.from(ConfigLoader.load(conf, overrides));
  }

  @Test
  void twoTowerRecallAt100IsClearlyAbovePopularity() {
    assertThat(report.queries()).isEqualTo(610);
    double twoTower = report.recall(EvaluateJob.TWO_TOWER, K);
    double popularity = report.recall(EvaluateJob.POPULARITY, K);
    // Popularity's Recall@100 on this split is 0.197 (120 of 610 events), measured in this test's
    // run and by `compare` above.
    assertThat(popularity).isBetween(0.15, 0.22);
    assertThat(twoTower).isGreaterThan(popularity * 1.2);
  }

  @Test
  void logQCorrectionBeatsThePlainSoftmax() {
    double corrected = report.recall(EvaluateJob.TWO_TOWER, K);
    System.out.printf(
        "Recall@%d: corrected %.4f, plain %.4f, popularity %.4f%n",
        K, corrected, plainRecall, report.recall(EvaluateJob.POPULARITY, K));
    assertThat(corrected - plainRecall)
        .as("corrected - plain Recall@%d", K)
        .isGreaterThan(PLAIN_SOFTMAX_MARGIN);
  }
}
