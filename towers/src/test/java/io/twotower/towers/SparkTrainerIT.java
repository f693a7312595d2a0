package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** A real parameter-averaging fit on local[2]. */
class SparkTrainerIT {
  private static final int BATCH = 32;
  private static final int EXAMPLES = 20 * BATCH;

  private static JavaSparkContext sc;

  @BeforeAll
  static void startSpark() {
    sc =
        new JavaSparkContext(
            new SparkConf()
                .setMaster("local[2]")
                .setAppName("SparkTrainerIT")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"));
  }

  @AfterAll
  static void stopSpark() {
    if (sc != null) {
      sc.stop();
    }
  }

  @Test
  void parameterAveragingLowersTheLossAndReportsEverySplit() {
    TwoTowerModel model = TwoTowerModel.create(LocalTrainerTest.plantedConfig());
    List<MultiDataSet> batches = batches(model.config());
    JavaRDD<MultiDataSet> rdd = sc.parallelize(batches, 2).persist(StorageLevel.MEMORY_ONLY_SER());
    double lossBefore = meanLoss(model, batches);
    INDArray paramsBefore = model.trainingGraph().params().dup();
    List<long[]> reports = new ArrayList<>();

    TwoTowerModel trained =
        SparkTrainer.fit(
            sc,
            model,
            rdd,
            new SparkTrainingSettings(2, BATCH, 2, 3, 2, 7L),
            (epoch, split, splits, examples, perSecond, loss) ->
                reports.add(new long[] {epoch, split, splits, examples}));

    // Three epochs of two splits, in order; each epoch's splits cover all examples.
    assertThat(reports).hasSize(6);
    for (int i = 0; i < 6; i++) {
      assertThat(reports.get(i)[0]).isEqualTo(i / 2);
      assertThat(reports.get(i)[1]).isEqualTo(i % 2);
      assertThat(reports.get(i)[2]).isEqualTo(2);
    }
    assertThat(reports.get(0)[3] + reports.get(1)[3]).isEqualTo(EXAMPLES);
    // Trained in place, and the returned model carries the averaged parameters.
    assertThat(trained.trainingGraph().params()).isEqualTo(model.trainingGraph().params());
    assertThat(trained.trainingGraph().params()).isNotEqualTo(paramsBefore);
    // saveUpdater(true): Adam's moments travel with the parameters.
    assertThat(trained.trainingGraph().getUpdater().getStateViewArray().amaxNumber().doubleValue())
        .isGreaterThan(0.0);
    double lossAfter = meanLoss(trained, batches);
    System.out.printf("Spark fit: mean batch loss %.4f -> %.4f%n", lossBefore, lossAfter);
    assertThat(lossAfter).isLessThan(0.9 * lossBefore);
    rdd.unpersist();
  }

  private static List<MultiDataSet> batches(TowerConfig config) {
    List<TowerExample> examples = PlantedClusters.examples(EXAMPLES, BATCH, new Random(3));
    Collections.shuffle(examples, new Random(4));
    TowerBatcher batcher = new TowerBatcher(config);
    List<MultiDataSet> batches = new ArrayList<>();
    for (int start = 0; start < EXAMPLES; start += BATCH) {
      batches.add(batcher.trainingBatch(examples.subList(start, start + BATCH)));
    }
    return batches;
  }

  private static double meanLoss(TwoTowerModel model, List<MultiDataSet> batches) {
    return batches.stream().mapToDouble(model.trainingGraph()::score).average().orElseThrow();
  }
}
